// Q5_1: Q5_0's bit layout with a minimum instead of an offset; value =
// d * q + m. Multiplied with Q8_0 activations (see q4_1.h).
#pragma once

#include <cstdint>
#include <span>

#include "engine/kernels/q8_0.h"

namespace cloister::engine::kernels {

// ggml's block_q5_1.
struct BlockQ5_1 {
  uint16_t d;      // scale, IEEE half
  uint16_t m;      // minimum, IEEE half
  uint8_t qh[4];   // fifth bits
  uint8_t qs[16];  // low nibbles
};
static_assert(sizeof(BlockQ5_1) == 24, "wrong q5_1 block size/padding");

void dequantize_row_q5_1(std::span<const BlockQ5_1> src, std::span<float> dst);
// Quantizes as ggml's quantize_row_q5_1_ref (min/max over the block).
void quantize_row_q5_1(std::span<const float> src, std::span<BlockQ5_1> dst);
float dot_q5_1_q8_0(std::span<const BlockQ5_1> w, std::span<const BlockQ8_0> x);

}  // namespace cloister::engine::kernels
