// BF16 weights (bfloat16): dequantization, quantization and a dot product
// with float activations.
#pragma once

#include <cstdint>
#include <span>

namespace cloister::engine::kernels {

void dequantize_row_bf16(std::span<const uint16_t> src, std::span<float> dst);
void quantize_row_bf16(std::span<const float> src, std::span<uint16_t> dst);
// Returns sum(w[i] * x[i]) with w in bfloat16.
float dot_bf16(std::span<const uint16_t> w, std::span<const float> x);

}  // namespace cloister::engine::kernels
