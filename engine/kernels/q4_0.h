// Q4_0: blocks of 32 4-bit values with one half-precision scale; value =
// d * (q - 8). Element i < 16 is the low nibble of qs[i], element i + 16 the
// high nibble.
#pragma once

#include <cstdint>
#include <span>

#include "engine/kernels/q8_0.h"

namespace cloister::engine::kernels {

inline constexpr size_t kQ4_0BlockElements = 32;

// ggml's block_q4_0.
struct BlockQ4_0 {
  uint16_t d;                          // scale, IEEE half
  uint8_t qs[kQ4_0BlockElements / 2];  // nibbles
};
static_assert(sizeof(BlockQ4_0) == 2 + kQ4_0BlockElements / 2, "wrong q4_0 block size/padding");

void dequantize_row_q4_0(std::span<const BlockQ4_0> src, std::span<float> dst);
// Quantizes as ggml's quantize_row_q4_0_ref: the value of largest magnitude maps to -8.
void quantize_row_q4_0(std::span<const float> src, std::span<BlockQ4_0> dst);
// Returns the dot product of a Q4_0 row with Q8_0 activations (same block count).
float dot_q4_0_q8_0(std::span<const BlockQ4_0> w, std::span<const BlockQ8_0> x);

}  // namespace cloister::engine::kernels
