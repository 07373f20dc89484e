// Q4_K: super-blocks of 256 values in 8 sub-blocks of 32. Each sub-block has a
// 6-bit scale and min; value = d * scale * q - dmin * min, with q in 0..15.
// Bytes qs[32c .. 32c+31] hold sub-block 2c in their low nibbles and 2c+1 in
// their high nibbles.
#pragma once

#include <cstdint>
#include <span>

#include "engine/kernels/k_scales.h"
#include "engine/kernels/q8_k.h"

namespace cloister::engine::kernels {

// ggml's block_q4_K.
struct BlockQ4_K {
  uint16_t d;                    // super-block scale for the scales, IEEE half
  uint16_t dmin;                 // super-block scale for the mins, IEEE half
  uint8_t scales[kKScaleBytes];  // 6-bit scales and mins
  uint8_t qs[kQK_K / 2];         // 4-bit quants
};
static_assert(sizeof(BlockQ4_K) == 4 + kKScaleBytes + kQK_K / 2, "wrong q4_K block size/padding");

// Writes the 256 quants of `block`, in element order, to `q`.
void unpack_q4_k(const BlockQ4_K& block, uint8_t* q);
void dequantize_row_q4_k(std::span<const BlockQ4_K> src, std::span<float> dst);
// A simple quantizer (per-sub-block min/max, no search) for test fixtures.
void quantize_row_q4_k(std::span<const float> src, std::span<BlockQ4_K> dst);
// Returns the dot product of a Q4_K row with Q8_K activations (same block count).
float dot_q4_k_q8_k(std::span<const BlockQ4_K> w, std::span<const BlockQ8_K> x);

}  // namespace cloister::engine::kernels
