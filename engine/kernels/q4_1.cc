#include "engine/kernels/q4_1.h"

#include <algorithm>
#include <cmath>

#include "engine/kernels/fp16.h"

namespace cloister::engine::kernels {

void dequantize_row_q4_1(std::span<const BlockQ4_1> src, std::span<float> dst) {
  for (size_t b = 0; b < src.size(); ++b) {
    const float d = fp16_to_f32(src[b].d);
    const float m = fp16_to_f32(src[b].m);
    for (size_t i = 0; i < 16; ++i) {
      dst[b * 32 + i] = static_cast<float>(src[b].qs[i] & 0x0f) * d + m;
      dst[b * 32 + i + 16] = static_cast<float>(src[b].qs[i] >> 4) * d + m;
    }
  }
}

void quantize_row_q4_1(std::span<const float> src, std::span<BlockQ4_1> dst) {
  for (size_t b = 0; b < dst.size(); ++b) {
    std::span<const float> x = src.subspan(b * 32, 32);
    const float min = *std::min_element(x.begin(), x.end());
    const float max = *std::max_element(x.begin(), x.end());
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    dst[b].d = f32_to_fp16(d);
    dst[b].m = f32_to_fp16(min);
    for (size_t i = 0; i < 16; ++i) {
      const auto q0 = static_cast<uint8_t>(
          std::min(15, static_cast<int>(std::floor((x[i] - min) * id + 0.5f))));
      const auto q1 = static_cast<uint8_t>(
          std::min(15, static_cast<int>(std::floor((x[i + 16] - min) * id + 0.5f))));
      dst[b].qs[i] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

float dot_q4_1_q8_0(std::span<const BlockQ4_1> w, std::span<const BlockQ8_0> x) {
  float sum = 0.0f;
  for (size_t b = 0; b < w.size(); ++b) {
    int32_t dot = 0;
    int32_t x_sum = 0;
    for (size_t i = 0; i < 16; ++i) {
      dot += (w[b].qs[i] & 0x0f) * x[b].qs[i] + (w[b].qs[i] >> 4) * x[b].qs[i + 16];
      x_sum += x[b].qs[i] + x[b].qs[i + 16];
    }
    const float dx = fp16_to_f32(x[b].d);
    sum += fp16_to_f32(w[b].d) * dx * static_cast<float>(dot) +
           fp16_to_f32(w[b].m) * dx * static_cast<float>(x_sum);
  }
  return sum;
}

}  // namespace cloister::engine::kernels
