// The KV cache reserves a whole context but holds memory only for the
// positions a sequence has reached.
#include "engine/model/kv_cache.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cloister::engine {
namespace {

// Resident memory of this process, in bytes, from /proc/self/statm.
size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t total_pages = 0;
  size_t resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

// TinyLlama-1.1B's attention: 22 layers of 4 KV heads of 64.
ModelConfig tinyllama_attention() {
  ModelConfig config;
  config.n_layer = 22;
  config.n_head_kv = 4;
  config.head_dim = 64;
  config.value_dim = 64;
  return config;
}

// Stands in for the kernels' conversion: each float's value as a half's bits.
void as_bits(const float* x, uint16_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint16_t>(x[i]);
}

TEST(KvCache, ReservingAContextDoesNotMakeItResident) {
  constexpr uint32_t kContext = 2048;  // 2 x 22 x 2048 x 256 halves: 46 MB
  const size_t before = resident_bytes();
  KvCache cache(tinyllama_attention(), kContext);
  // Sanitizers and the allocator may touch a little; zeroing would touch all.
  EXPECT_LT(resident_bytes() - before, 4u << 20);

  // Writing the first 16 positions of each layer makes only those resident
  // (a page of each head's rows).
  const std::vector<float> keys(256, 1.0f);
  const std::vector<float> values(256, 2.0f);
  for (uint32_t layer = 0; layer < 22; ++layer) {
    for (uint32_t pos = 0; pos < 16; ++pos) {
      cache.store(layer, pos, keys.data(), values.data(), as_bits);
    }
  }
  EXPECT_LT(resident_bytes() - before, 8u << 20);
  EXPECT_EQ(cache.key(21, 3, 15).back(), 1);
  EXPECT_EQ(cache.value(21, 3, 15).front(), 2);
}

TEST(KvCache, StoresEachHeadsRowsContiguouslyWithoutOverlap) {
  constexpr uint32_t kContext = 8;
  KvCache cache(tinyllama_attention(), kContext);
  // Value d of head h at (layer, pos) is a mark unique to all four.
  auto mark = [](uint32_t layer, uint32_t pos, size_t h, size_t d) {
    return static_cast<float>(((layer * kContext + pos) * 4 + h) * 64 + d);
  };
  std::vector<float> keys(256);
  std::vector<float> values(256);
  for (uint32_t layer = 0; layer < 22; ++layer) {
    for (uint32_t pos = 0; pos < kContext; ++pos) {
      for (size_t i = 0; i < 256; ++i) {
        keys[i] = mark(layer, pos, i / 64, i % 64);
        values[i] = 65535.0f - keys[i];
      }
      cache.store(layer, pos, keys.data(), values.data(), as_bits);
    }
  }
  for (uint32_t layer = 0; layer < 22; ++layer) {
    for (uint32_t h = 0; h < 4; ++h) {
      const kernels::CachedRows k = cache.keys(layer, h);
      const kernels::CachedRows v = cache.values(layer, h);
      ASSERT_EQ(k.dim, 64u);
      ASSERT_EQ(k.stride, 64u);  // one head's positions follow each other
      for (uint32_t pos = 0; pos < kContext; ++pos) {
        for (size_t d = 0; d < 64; ++d) {
          const auto expected = static_cast<uint16_t>(mark(layer, pos, h, d));
          ASSERT_EQ(k.data[pos * k.stride + d], expected);
          ASSERT_EQ(v.data[pos * v.stride + d], static_cast<uint16_t>(65535 - expected));
        }
      }
    }
  }
}

}  // namespace
}  // namespace cloister::engine
