#include "engine/model/kv_cache.h"

#include <cassert>
#include <cstring>

namespace cloister::engine {

KvCache::KvCache(const ModelConfig& config, uint32_t capacity)
    : capacity_(capacity),
      head_dim_(config.head_dim),
      value_dim_(config.value_dim),
      key_width_(size_t{config.n_head_kv} * config.head_dim),
      value_width_(size_t{config.n_head_kv} * config.value_dim),
      size_(size_t{config.n_layer} * capacity),
      // Not zeroed: attention reads only positions already written, so pages
      // are touched (and become resident) as the sequence grows, and a new
      // sequence does not first write its whole context.
      keys_(std::make_unique_for_overwrite<uint16_t[]>(size_ * key_width_)),
      values_(std::make_unique_for_overwrite<uint16_t[]>(size_ * value_width_)) {}

KvCache::KvCache(const KvCache& other)
    : capacity_(other.capacity_),
      head_dim_(other.head_dim_),
      value_dim_(other.value_dim_),
      key_width_(other.key_width_),
      value_width_(other.value_width_),
      size_(other.size_),
      keys_(std::make_unique_for_overwrite<uint16_t[]>(size_ * key_width_)),
      values_(std::make_unique_for_overwrite<uint16_t[]>(size_ * value_width_)) {
  // Bytes, not halves: positions never written hold no values to copy.
  std::memcpy(keys_.get(), other.keys_.get(), size_ * key_width_ * sizeof(uint16_t));
  std::memcpy(values_.get(), other.values_.get(), size_ * value_width_ * sizeof(uint16_t));
}

size_t KvCache::row(uint32_t layer, uint32_t pos) const {
  assert(pos < capacity_ && layer < size_ / capacity_);
  return size_t{layer} * capacity_ + pos;
}

std::span<uint16_t> KvCache::key(uint32_t layer, uint32_t pos) {
  return {keys_.get() + row(layer, pos) * key_width_, key_width_};
}

std::span<uint16_t> KvCache::value(uint32_t layer, uint32_t pos) {
  return {values_.get() + row(layer, pos) * value_width_, value_width_};
}

std::span<const uint16_t> KvCache::key(uint32_t layer, uint32_t pos) const {
  return {keys_.get() + row(layer, pos) * key_width_, key_width_};
}

std::span<const uint16_t> KvCache::value(uint32_t layer, uint32_t pos) const {
  return {values_.get() + row(layer, pos) * value_width_, value_width_};
}

kernels::CachedRows KvCache::keys(uint32_t layer, uint32_t kv_head) const {
  return {key(layer, 0).data() + kv_head * head_dim_, key_width_, head_dim_};
}

kernels::CachedRows KvCache::values(uint32_t layer, uint32_t kv_head) const {
  return {value(layer, 0).data() + kv_head * value_dim_, value_width_, value_dim_};
}

}  // namespace cloister::engine
