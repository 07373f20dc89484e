// Q6_K: super-blocks of 256 values in 16 sub-blocks of 16, each with an int8
// scale; value = d * scale * (q - 32), q in 0..63. The low 4 bits live in ql
// and the high 2 bits in qh, interleaved as in ggml (see unpack_q6_k).
#pragma once

#include <cstdint>
#include <span>

#include "engine/kernels/q8_k.h"

namespace cloister::engine::kernels {

// ggml's block_q6_K.
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];      // low 4 bits
  uint8_t qh[kQK_K / 4];      // high 2 bits
  int8_t scales[kQK_K / 16];  // per-sub-block scales
  uint16_t d;                 // super-block scale, IEEE half
};
static_assert(sizeof(BlockQ6_K) == kQK_K / 2 + kQK_K / 4 + kQK_K / 16 + 2,
              "wrong q6_K block size/padding");

// Writes the 256 signed quants (q - 32) of `block`, in element order, to `q`.
void unpack_q6_k(const BlockQ6_K& block, int8_t* q);
void dequantize_row_q6_k(std::span<const BlockQ6_K> src, std::span<float> dst);
// A simple quantizer (per-sub-block absolute maximum, no search) for test fixtures.
void quantize_row_q6_k(std::span<const float> src, std::span<BlockQ6_K> dst);
// Returns the dot product of a Q6_K row with Q8_K activations (same block count).
float dot_q6_k_q8_k(std::span<const BlockQ6_K> w, std::span<const BlockQ8_K> x);

}  // namespace cloister::engine::kernels
