// The packed panels' layout (gemm.h): every byte of a panel belongs to one
// part, and a single token's product, which reads a panel once from memory,
// reads each block's values front to back. A panel laid out with each vector
// in a run of its own is read as two streams at once, which a single thread
// streamed from memory at about half the speed (docs/benchmarks.md).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/kernels/gemm.h"

namespace cloister::engine::kernels {
namespace {

constexpr size_t kCols = 512;  // two super-blocks of the K-quants
constexpr size_t kLine = 64;   // bytes of one vector of values

// A packed panel's bytes, and which of them its parts have covered.
class PanelCover {
 public:
  explicit PanelCover(TensorType type)
      : panel_(packed_panel_bytes(type, kCols)), read_(panel_.size(), false) {}

  uint8_t* panel() { return panel_.data(); }
  size_t at(const uint8_t* part) const { return static_cast<size_t>(part - panel_.data()); }

  // Marks the bytes [offset, offset + bytes) as covered, failing if any was
  // already covered or lies outside the panel.
  void read(size_t offset, size_t bytes, const std::string& what) {
    ASSERT_LE(offset + bytes, read_.size()) << what;
    for (size_t i = offset; i < offset + bytes; ++i) {
      ASSERT_FALSE(read_[i]) << what << " overlaps byte " << i;
      read_[i] = true;
    }
  }

  bool complete() const {
    for (bool b : read_) {
      if (!b) return false;
    }
    return true;
  }

 private:
  std::vector<uint8_t> panel_;
  std::vector<bool> read_;
};

// Offsets of the values a kernel reads, in the order it reads them, must
// each follow the one before: one stream.
void expect_one_stream(const std::vector<size_t>& offsets, const std::string& what) {
  for (size_t i = 1; i < offsets.size(); ++i) {
    EXPECT_EQ(offsets[i], offsets[i - 1] + kLine) << what << ", read " << i;
  }
}

TEST(PackedLayout, Q8_0BlocksAreReadFrontToBackAndCoverThePanel) {
  PanelCover cover(TensorType::kQ8_0);
  uint8_t* const panel = cover.panel();
  const auto at = [&](const uint8_t* part) { return cover.at(part); };
  for (size_t b = 0; b < kCols / 32; ++b) {
    std::vector<size_t> order;  // as micro_kernel reads them
    for (size_t g = 0; g < 8; ++g) {
      for (size_t v = 0; v < 2; ++v) order.push_back(at(packed_group(panel, b, g, v)));
    }
    expect_one_stream(order, "Q8_0 block " + std::to_string(b));
    for (size_t offset : order) cover.read(offset, kLine, "Q8_0 values");
    for (size_t v = 0; v < 2; ++v) {
      EXPECT_EQ(at(packed_scales(panel, b, v)), order.back() + kLine + v * kPackedVectorScales);
      cover.read(at(packed_scales(panel, b, v)), kPackedVectorScales, "Q8_0 scales");
    }
  }
  EXPECT_TRUE(cover.complete());
}

TEST(PackedLayout, Q4_KBlocksAreReadFrontToBackAndCoverThePanel) {
  PanelCover cover(TensorType::kQ4_K);
  uint8_t* const panel = cover.panel();
  const auto at = [&](const uint8_t* part) { return cover.at(part); };
  for (size_t s = 0; s < kCols / 256; ++s) {
    for (size_t v = 0; v < 2; ++v) {
      cover.read(at(packed_q4_k_halves(panel, s, v)), kQ4KVectorHalves, "Q4_K d and dmin");
    }
  }
  for (size_t b = 0; b < kCols / 32; ++b) {
    for (size_t v = 0; v < 2; ++v) {
      cover.read(at(packed_q4_k_scales(panel, b, v)), kQ4KVectorScales, "Q4_K scales and mins");
    }
    std::vector<size_t> order;  // micro_kernel_k's groups 0 to 3 (4 to 7 reread them)
    for (size_t k = 0; k < 4; ++k) {
      for (size_t v = 0; v < 2; ++v) order.push_back(at(packed_q4_k_values(panel, b, k, v)));
    }
    expect_one_stream(order, "Q4_K block " + std::to_string(b));
    EXPECT_EQ(order.front(), at(packed_q4_k_scales(panel, b, 1)) + kQ4KVectorScales);
    for (size_t offset : order) cover.read(offset, kLine, "Q4_K values");
  }
  EXPECT_TRUE(cover.complete());
}

TEST(PackedLayout, Q6_KBlocksAreReadFrontToBackAndCoverThePanel) {
  PanelCover cover(TensorType::kQ6_K);
  uint8_t* const panel = cover.panel();
  const auto at = [&](const uint8_t* part) { return cover.at(part); };
  for (size_t s = 0; s < kCols / 256; ++s) {
    for (size_t v = 0; v < 2; ++v) {
      cover.read(at(packed_q6_k_halves(panel, s, v)), kQ6KVectorHalves, "Q6_K d");
    }
  }
  for (size_t b = 0; b < kCols / 16; ++b) {
    for (size_t v = 0; v < 2; ++v) {
      cover.read(at(packed_q6_k_scales(panel, b, v)), kQ6KVectorScales, "Q6_K scales");
    }
    // micro_kernel_k's group 0 reads each vector's first nibbles and its
    // high bits; group 1 the second nibbles (groups 2 and 3 reread them).
    std::vector<size_t> order;
    for (size_t v = 0; v < 2; ++v) {
      order.push_back(at(packed_q6_k_nibbles(panel, b, 0, v)));
      order.push_back(at(packed_q6_k_high_bits(panel, b, v)));
    }
    for (size_t v = 0; v < 2; ++v) order.push_back(at(packed_q6_k_nibbles(panel, b, 1, v)));
    expect_one_stream(order, "Q6_K block " + std::to_string(b));
    EXPECT_EQ(order.front(), at(packed_q6_k_scales(panel, b, 1)) + kQ6KVectorScales);
    for (size_t offset : order) cover.read(offset, kLine, "Q6_K values");
  }
  EXPECT_TRUE(cover.complete());
}

}  // namespace
}  // namespace cloister::engine::kernels
