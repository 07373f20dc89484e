// The keys and values of every position a sequence has seen, per layer, so
// that each new token attends to the past without recomputing it. They are
// held as IEEE halves, as llama.cpp does by default: half the memory of
// floats, and attention reads half the bytes.
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
  // Halves from one position's key (value) row to the next position's.
  size_t key_stride() const { return key_width_; }
  size_t value_stride() const { return value_width_; }

  // The key (n_head_kv * head_dim halves) and value (n_head_kv * value_dim)
  // rows of `layer` at position `pos` (< capacity).
  std::span<uint16_t> key(uint32_t layer, uint32_t pos);
  std::span<uint16_t> value(uint32_t layer, uint32_t pos);
  std::span<const uint16_t> key(uint32_t layer, uint32_t pos) const;
  std::span<const uint16_t> value(uint32_t layer, uint32_t pos) const;
  // Every position's keys (values) of one KV head in `layer`, for attention.
  kernels::CachedRows keys(uint32_t layer, uint32_t kv_head) const;
  kernels::CachedRows values(uint32_t layer, uint32_t kv_head) const;

 private:
  size_t row(uint32_t layer, uint32_t pos) const;  // index of (layer, pos) in either array

  uint32_t capacity_;
  size_t head_dim_;
  size_t value_dim_;
  size_t key_width_;
  size_t value_width_;
  size_t size_;                         // layers * capacity: rows in each array
  std::unique_ptr<uint16_t[]> keys_;    // [layer][pos][key_width]
  std::unique_ptr<uint16_t[]> values_;  // [layer][pos][value_width]
};

}  // namespace cloister::engine
