#include "engine/model/kv_cache.h"

namespace cloister::engine {

KvCache::KvCache(const ModelConfig& config, uint32_t capacity)
    : capacity_(capacity),
      key_width_(size_t{config.n_head_kv} * config.head_dim),
      value_width_(size_t{config.n_head_kv} * config.value_dim),
      keys_(size_t{config.n_layer} * capacity * key_width_),
      values_(size_t{config.n_layer} * capacity * value_width_) {}

std::span<uint16_t> KvCache::key(uint32_t layer, uint32_t pos) {
  return std::span<uint16_t>(keys_).subspan((size_t{layer} * capacity_ + pos) * key_width_,
                                            key_width_);
}

std::span<uint16_t> KvCache::value(uint32_t layer, uint32_t pos) {
  return std::span<uint16_t>(values_).subspan((size_t{layer} * capacity_ + pos) * value_width_,
                                              value_width_);
}

std::span<const uint16_t> KvCache::key(uint32_t layer, uint32_t pos) const {
  return std::span<const uint16_t>(keys_).subspan((size_t{layer} * capacity_ + pos) * key_width_,
                                                  key_width_);
}

std::span<const uint16_t> KvCache::value(uint32_t layer, uint32_t pos) const {
  return std::span<const uint16_t>(values_).subspan(
      (size_t{layer} * capacity_ + pos) * value_width_, value_width_);
}

}  // namespace cloister::engine
