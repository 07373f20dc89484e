// F16 weights (IEEE half): dequantization, quantization and a dot product
// with float activations. Activations stay in float (ggml rounds them to
// half first); that only makes the result more accurate.
#pragma once

#include <cstdint>
#include <span>

namespace cloister::engine::kernels {

void dequantize_row_f16(std::span<const uint16_t> src, std::span<float> dst);
void quantize_row_f16(std::span<const float> src, std::span<uint16_t> dst);
// Returns sum(w[i] * x[i]) with w in half precision.
float dot_f16(std::span<const uint16_t> w, std::span<const float> x);

}  // namespace cloister::engine::kernels
