// Q8_0: blocks of 32 int8 values with one half-precision scale. Used both for
// weights and, as in ggml, for the activations that Q4_0 and Q8_0 rows are
// multiplied with.
#pragma once

#include <cstdint>
#include <span>

namespace cloister::engine::kernels {

inline constexpr size_t kQ8_0BlockElements = 32;

// ggml's block_q8_0.
struct BlockQ8_0 {
  uint16_t d;                     // scale, IEEE half
  int8_t qs[kQ8_0BlockElements];  // value = d * qs[i]
};
static_assert(sizeof(BlockQ8_0) == 2 + kQ8_0BlockElements, "wrong q8_0 block size/padding");

// `dst` has src.size() * 32 elements; `src` has dst.size() / 32 blocks.
void dequantize_row_q8_0(std::span<const BlockQ8_0> src, std::span<float> dst);
// Quantizes as ggml's quantize_row_q8_0_ref: scale = max|x| / 127, round to nearest.
void quantize_row_q8_0(std::span<const float> src, std::span<BlockQ8_0> dst);
// Returns the dot product of a Q8_0 row with Q8_0 activations (same block count).
float dot_q8_0_q8_0(std::span<const BlockQ8_0> w, std::span<const BlockQ8_0> x);

}  // namespace cloister::engine::kernels
