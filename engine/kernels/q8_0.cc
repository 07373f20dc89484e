#include "engine/kernels/q8_0.h"

#include <cmath>

#include "engine/kernels/fp16.h"

namespace cloister::engine::kernels {

void dequantize_row_q8_0(std::span<const BlockQ8_0> src, std::span<float> dst) {
  for (size_t b = 0; b < src.size(); ++b) {
    const float d = fp16_to_f32(src[b].d);
    for (size_t i = 0; i < kQ8_0BlockElements; ++i) {
      dst[b * kQ8_0BlockElements + i] = d * static_cast<float>(src[b].qs[i]);
    }
  }
}

void quantize_row_q8_0(std::span<const float> src, std::span<BlockQ8_0> dst) {
  for (size_t b = 0; b < dst.size(); ++b) {
    std::span<const float> x = src.subspan(b * kQ8_0BlockElements, kQ8_0BlockElements);
    float amax = 0.0f;
    for (float v : x) amax = std::fmax(amax, std::fabs(v));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    dst[b].d = f32_to_fp16(d);
    for (size_t i = 0; i < kQ8_0BlockElements; ++i) {
      dst[b].qs[i] = static_cast<int8_t>(std::round(x[i] * id));
    }
  }
}

float dot_q8_0_q8_0(std::span<const BlockQ8_0> w, std::span<const BlockQ8_0> x) {
  float sum = 0.0f;
  for (size_t b = 0; b < w.size(); ++b) {
    int32_t isum = 0;
    for (size_t i = 0; i < kQ8_0BlockElements; ++i) isum += w[b].qs[i] * x[b].qs[i];
    sum += static_cast<float>(isum) * fp16_to_f32(w[b].d) * fp16_to_f32(x[b].d);
  }
  return sum;
}

}  // namespace cloister::engine::kernels
