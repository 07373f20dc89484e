// Q5_0: blocks of 32 5-bit values with a half-precision scale; value =
// d * (q - 16). The low 4 bits are nibbles as in Q4_0; the fifth bit of
// element i is bit i of qh (a little-endian 32-bit word).
#pragma once

#include <cstdint>
#include <span>

#include "engine/kernels/q8_0.h"

namespace cloister::engine::kernels {

// ggml's block_q5_0.
struct BlockQ5_0 {
  uint16_t d;      // scale, IEEE half
  uint8_t qh[4];   // fifth bits
  uint8_t qs[16];  // low nibbles
};
static_assert(sizeof(BlockQ5_0) == 22, "wrong q5_0 block size/padding");

// Writes the 32 quants (0..31) of `block`, in element order, to `q`.
void unpack_q5(const uint8_t* qh, const uint8_t* qs, uint8_t* q);

void dequantize_row_q5_0(std::span<const BlockQ5_0> src, std::span<float> dst);
// Quantizes as ggml's quantize_row_q5_0_ref: the value of largest magnitude maps to -16.
void quantize_row_q5_0(std::span<const float> src, std::span<BlockQ5_0> dst);
float dot_q5_0_q8_0(std::span<const BlockQ5_0> w, std::span<const BlockQ8_0> x);

}  // namespace cloister::engine::kernels
