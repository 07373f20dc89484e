// The fixture quantizer that Q4_K and Q5_K share: for each 32-value sub-block
// it picks an affine map (scale, min) from the sub-block's range, then stores
// both with 6 bits relative to fp16 super-block factors. It makes no attempt
// at ggml's error-minimizing search; it only needs to produce valid blocks
// that stay close to the input.
#pragma once

#include <cstdint>
#include <span>

#include "engine/kernels/q8_k.h"

namespace cloister::engine::kernels {

struct AffineSuperBlock {
  uint16_t d = 0;     // fp16 factor of the scales
  uint16_t dmin = 0;  // fp16 factor of the mins
  uint8_t scales[8] = {};
  uint8_t mins[8] = {};
  uint8_t q[kQK_K] = {};  // quants in 0..max_q, element order
};

// Quantizes 256 values so that x ~= d * scales[j] * q - dmin * mins[j].
AffineSuperBlock quantize_affine_super_block(std::span<const float> x, int max_q);

}  // namespace cloister::engine::kernels
