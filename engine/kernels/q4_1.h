// Q4_1: blocks of 32 4-bit values with a half-precision scale and minimum;
// value = d * q + m. Nibble layout as Q4_0. Rows are multiplied with Q8_0
// activations (ggml uses Q8_1, which only caches the block sums that this
// kernel computes directly).
#pragma once

#include <cstdint>
#include <span>

#include "engine/kernels/q8_0.h"

namespace cloister::engine::kernels {

// ggml's block_q4_1.
struct BlockQ4_1 {
  uint16_t d;      // scale, IEEE half
  uint16_t m;      // minimum, IEEE half
  uint8_t qs[16];  // nibbles: element i < 16 low, i + 16 high
};
static_assert(sizeof(BlockQ4_1) == 20, "wrong q4_1 block size/padding");

void dequantize_row_q4_1(std::span<const BlockQ4_1> src, std::span<float> dst);
// Quantizes as ggml's quantize_row_q4_1_ref (min/max over the block).
void quantize_row_q4_1(std::span<const float> src, std::span<BlockQ4_1> dst);
float dot_q4_1_q8_0(std::span<const BlockQ4_1> w, std::span<const BlockQ8_0> x);

}  // namespace cloister::engine::kernels
