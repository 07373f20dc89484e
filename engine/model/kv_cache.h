// The keys and values of every position a sequence has seen, per layer, so
// that each new token attends to the past without recomputing it. They are
// held as IEEE halves, as llama.cpp does by default: half the memory of
// floats, and attention reads half the bytes. Each KV head's rows are
// contiguous (layer, then head, then position), so that attention reads one
// head's past as a single sequential stream.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "engine/kernels/attention_rows.h"
#include "engine/model/config.h"

namespace cloister::engine {

class KvCache {
 public:
  // Reserves room for `capacity` positions of a model shaped like `config`.
  KvCache(const ModelConfig& config, uint32_t capacity);
  KvCache(const KvCache& other);  // a copy of every position, written or not
  KvCache& operator=(const KvCache&) = delete;
  KvCache(KvCache&&) noexcept = default;
  KvCache& operator=(KvCache&&) noexcept = default;
  ~KvCache() = default;

  uint32_t capacity() const { return capacity_; }

  // Converts one position's keys (n_head_kv * head_dim floats, head after
  // head) and values (n_head_kv * value_dim) to halves with `to_halves` and
  // stores them at `pos` (< capacity) of `layer`.
  using ToHalves = void (*)(const float* x, uint16_t* out, size_t n);
  void store(uint32_t layer, uint32_t pos, const float* keys, const float* values,
             ToHalves to_halves);

  // The key (head_dim halves) and value (value_dim) row of one KV head of
  // `layer` at position `pos` (< capacity).
  std::span<uint16_t> key(uint32_t layer, uint32_t kv_head, uint32_t pos);
  std::span<uint16_t> value(uint32_t layer, uint32_t kv_head, uint32_t pos);
  // Every position's keys (values) of one KV head in `layer`, for attention.
  kernels::CachedRows keys(uint32_t layer, uint32_t kv_head) const;
  kernels::CachedRows values(uint32_t layer, uint32_t kv_head) const;

 private:
  // Index of the first row of (layer, kv_head) in either array.
  size_t first_row(uint32_t layer, uint32_t kv_head) const;

  uint32_t capacity_;
  size_t n_head_kv_;
  size_t head_dim_;
  size_t value_dim_;
  size_t rows_;                         // layers * n_head_kv * capacity, in each array
  std::unique_ptr<uint16_t[]> keys_;    // [layer][kv_head][pos][head_dim]
  std::unique_ptr<uint16_t[]> values_;  // [layer][kv_head][pos][value_dim]
};

}  // namespace cloister::engine
