#include "engine/kernels/f16.h"

#include "engine/kernels/fp16.h"

namespace cloister::engine::kernels {

void dequantize_row_f16(std::span<const uint16_t> src, std::span<float> dst) {
  for (size_t i = 0; i < src.size(); ++i) dst[i] = fp16_to_f32(src[i]);
}

void quantize_row_f16(std::span<const float> src, std::span<uint16_t> dst) {
  for (size_t i = 0; i < src.size(); ++i) dst[i] = f32_to_fp16(src[i]);
}

float dot_f16(std::span<const uint16_t> w, std::span<const float> x) {
  float sum = 0.0f;
  for (size_t i = 0; i < w.size(); ++i) sum += fp16_to_f32(w[i]) * x[i];
  return sum;
}

}  // namespace cloister::engine::kernels
