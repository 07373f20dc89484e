// Q8_K: the activation format that K-quant rows are multiplied with, as in
// ggml: 256 int8 values with a float scale, plus the sums of each group of 16
// (so that the "min" terms of Q4_K/Q5_K need no per-element work).
#pragma once

#include <cstdint>
#include <span>

namespace cloister::engine::kernels {

inline constexpr size_t kQK_K = 256;  // elements per K-quant super-block

// ggml's block_q8_K.
struct BlockQ8_K {
  float d;                    // scale
  int8_t qs[kQK_K];           // value = d * qs[i]
  int16_t bsums[kQK_K / 16];  // sum of qs over each group of 16
};
static_assert(sizeof(BlockQ8_K) == 4 + kQK_K + 2 * kQK_K / 16, "wrong q8_K block size/padding");

// Quantizes as ggml's quantize_row_q8_K_ref: the value of largest magnitude maps to -127.
void quantize_row_q8_k(std::span<const float> src, std::span<BlockQ8_K> dst);
void dequantize_row_q8_k(std::span<const BlockQ8_K> src, std::span<float> dst);

}  // namespace cloister::engine::kernels
