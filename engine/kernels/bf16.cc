#include "engine/kernels/bf16.h"

#include "engine/kernels/fp16.h"

namespace cloister::engine::kernels {

void dequantize_row_bf16(std::span<const uint16_t> src, std::span<float> dst) {
  for (size_t i = 0; i < src.size(); ++i) dst[i] = bf16_to_f32(src[i]);
}

void quantize_row_bf16(std::span<const float> src, std::span<uint16_t> dst) {
  for (size_t i = 0; i < src.size(); ++i) dst[i] = f32_to_bf16(src[i]);
}

float dot_bf16(std::span<const uint16_t> w, std::span<const float> x) {
  float sum = 0.0f;
  for (size_t i = 0; i < w.size(); ++i) sum += bf16_to_f32(w[i]) * x[i];
  return sum;
}

}  // namespace cloister::engine::kernels
