#include "engine/model/kv_cache.h"

#include <cassert>
#include <cstring>

namespace cloister::engine {

KvCache::KvCache(const ModelConfig& config, uint32_t capacity)
    : capacity_(capacity),
      n_head_kv_(config.n_head_kv),
      head_dim_(config.head_dim),
      value_dim_(config.value_dim),
      rows_(size_t{config.n_layer} * config.n_head_kv * capacity),
      // Not zeroed: attention reads only positions already written, so pages
      // are touched (and become resident) as the sequence grows, and a new
      // sequence does not first write its whole context.
      keys_(std::make_unique_for_overwrite<uint16_t[]>(rows_ * head_dim_)),
      values_(std::make_unique_for_overwrite<uint16_t[]>(rows_ * value_dim_)) {}

KvCache::KvCache(const KvCache& other)
    : capacity_(other.capacity_),
      n_head_kv_(other.n_head_kv_),
      head_dim_(other.head_dim_),
      value_dim_(other.value_dim_),
      rows_(other.rows_),
      keys_(std::make_unique_for_overwrite<uint16_t[]>(rows_ * head_dim_)),
      values_(std::make_unique_for_overwrite<uint16_t[]>(rows_ * value_dim_)) {
  // Bytes, not halves: positions never written hold no values to copy.
  std::memcpy(keys_.get(), other.keys_.get(), rows_ * head_dim_ * sizeof(uint16_t));
  std::memcpy(values_.get(), other.values_.get(), rows_ * value_dim_ * sizeof(uint16_t));
}

size_t KvCache::first_row(uint32_t layer, uint32_t kv_head) const {
  assert(kv_head < n_head_kv_ && layer < rows_ / capacity_ / n_head_kv_);
  return (size_t{layer} * n_head_kv_ + kv_head) * capacity_;
}

void KvCache::store(uint32_t layer, uint32_t pos, const float* keys, const float* values,
                    ToHalves to_halves) {
  for (uint32_t h = 0; h < n_head_kv_; ++h) {
    to_halves(keys + h * head_dim_, key(layer, h, pos).data(), head_dim_);
    to_halves(values + h * value_dim_, value(layer, h, pos).data(), value_dim_);
  }
}

std::span<uint16_t> KvCache::key(uint32_t layer, uint32_t kv_head, uint32_t pos) {
  assert(pos < capacity_);
  return {keys_.get() + (first_row(layer, kv_head) + pos) * head_dim_, head_dim_};
}

std::span<uint16_t> KvCache::value(uint32_t layer, uint32_t kv_head, uint32_t pos) {
  assert(pos < capacity_);
  return {values_.get() + (first_row(layer, kv_head) + pos) * value_dim_, value_dim_};
}

kernels::CachedRows KvCache::keys(uint32_t layer, uint32_t kv_head) const {
  return {keys_.get() + first_row(layer, kv_head) * head_dim_, head_dim_, head_dim_};
}

kernels::CachedRows KvCache::values(uint32_t layer, uint32_t kv_head) const {
  return {values_.get() + first_row(layer, kv_head) * value_dim_, value_dim_, value_dim_};
}

}  // namespace cloister::engine
