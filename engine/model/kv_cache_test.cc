// The KV cache reserves a whole context but holds memory only for the
// positions a sequence has reached.
#include "engine/model/kv_cache.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

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

TEST(KvCache, ReservingAContextDoesNotMakeItResident) {
  constexpr uint32_t kContext = 2048;  // 2 x 22 x 2048 x 256 halves: 46 MB
  const size_t before = resident_bytes();
  KvCache cache(tinyllama_attention(), kContext);
  // Sanitizers and the allocator may touch a little; zeroing would touch all.
  EXPECT_LT(resident_bytes() - before, 4u << 20);

  // Writing the first 16 positions of each layer makes only those resident.
  for (uint32_t layer = 0; layer < 22; ++layer) {
    for (uint32_t pos = 0; pos < 16; ++pos) {
      std::fill(cache.key(layer, pos).begin(), cache.key(layer, pos).end(), uint16_t{1});
      std::fill(cache.value(layer, pos).begin(), cache.value(layer, pos).end(), uint16_t{2});
    }
  }
  EXPECT_LT(resident_bytes() - before, 8u << 20);
  EXPECT_EQ(cache.key(21, 15).back(), 1);
  EXPECT_EQ(cache.value(21, 15).front(), 2);
}

TEST(KvCache, RowsOfDifferentPositionsAndLayersDoNotOverlap) {
  KvCache cache(tinyllama_attention(), 8);
  for (uint32_t layer = 0; layer < 22; ++layer) {
    for (uint32_t pos = 0; pos < 8; ++pos) {
      const auto mark = static_cast<uint16_t>(layer * 8 + pos);
      std::fill(cache.key(layer, pos).begin(), cache.key(layer, pos).end(), mark);
      std::fill(cache.value(layer, pos).begin(), cache.value(layer, pos).end(), uint16_t(~mark));
    }
  }
  for (uint32_t layer = 0; layer < 22; ++layer) {
    for (uint32_t pos = 0; pos < 8; ++pos) {
      const auto mark = static_cast<uint16_t>(layer * 8 + pos);
      for (uint16_t half : cache.key(layer, pos)) ASSERT_EQ(half, mark);
      for (uint16_t half : cache.value(layer, pos)) ASSERT_EQ(half, uint16_t(~mark));
    }
  }
  EXPECT_EQ(cache.key(0, 0).size(), 256u);
  EXPECT_EQ(cache.key_stride(), 256u);
}

}  // namespace
}  // namespace cloister::engine
