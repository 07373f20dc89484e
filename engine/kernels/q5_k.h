// Q5_K: like Q4_K, with a fifth bit per value in qh: q in 0..31. For sub-block
// j (0..7), the fifth bit of element l (0..31) is bit j of qh[l].
#pragma once

#include <cstdint>
#include <span>

#include "engine/kernels/k_scales.h"
#include "engine/kernels/q8_k.h"

namespace cloister::engine::kernels {

// ggml's block_q5_K.
struct BlockQ5_K {
  uint16_t d;                    // super-block scale for the scales, IEEE half
  uint16_t dmin;                 // super-block scale for the mins, IEEE half
  uint8_t scales[kKScaleBytes];  // 6-bit scales and mins
  uint8_t qh[kQK_K / 8];         // fifth bits
  uint8_t qs[kQK_K / 2];         // low 4 bits
};
static_assert(sizeof(BlockQ5_K) == 4 + kKScaleBytes + kQK_K / 8 + kQK_K / 2,
              "wrong q5_K block size/padding");

// Writes the 256 quants of `block`, in element order, to `q`.
void unpack_q5_k(const BlockQ5_K& block, uint8_t* q);
void dequantize_row_q5_k(std::span<const BlockQ5_K> src, std::span<float> dst);
// A simple quantizer (per-sub-block min/max, no search) for test fixtures.
void quantize_row_q5_k(std::span<const float> src, std::span<BlockQ5_K> dst);
// Returns the dot product of a Q5_K row with Q8_K activations (same block count).
float dot_q5_k_q8_k(std::span<const BlockQ5_K> w, std::span<const BlockQ8_K> x);

}  // namespace cloister::engine::kernels
