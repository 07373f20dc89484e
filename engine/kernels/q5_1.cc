#include "engine/kernels/q5_1.h"

#include <algorithm>
#include <cmath>

#include "engine/kernels/fp16.h"
#include "engine/kernels/q5_0.h"

namespace cloister::engine::kernels {

void dequantize_row_q5_1(std::span<const BlockQ5_1> src, std::span<float> dst) {
  uint8_t q[32];
  for (size_t b = 0; b < src.size(); ++b) {
    unpack_q5(src[b].qh, src[b].qs, q);
    const float d = fp16_to_f32(src[b].d);
    const float m = fp16_to_f32(src[b].m);
    for (size_t i = 0; i < 32; ++i) dst[b * 32 + i] = static_cast<float>(q[i]) * d + m;
  }
}

void quantize_row_q5_1(std::span<const float> src, std::span<BlockQ5_1> dst) {
  for (size_t b = 0; b < dst.size(); ++b) {
    std::span<const float> x = src.subspan(b * 32, 32);
    const float min = *std::min_element(x.begin(), x.end());
    const float max = *std::max_element(x.begin(), x.end());
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    dst[b].d = f32_to_fp16(d);
    dst[b].m = f32_to_fp16(min);
    uint32_t high = 0;
    for (size_t i = 0; i < 16; ++i) {
      const int q0 = std::min(31, static_cast<int>(std::floor((x[i] - min) * id + 0.5f)));
      const int q1 = std::min(31, static_cast<int>(std::floor((x[i + 16] - min) * id + 0.5f)));
      dst[b].qs[i] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      high |= static_cast<uint32_t>((q0 >> 4) & 1) << i;
      high |= static_cast<uint32_t>((q1 >> 4) & 1) << (i + 16);
    }
    for (size_t k = 0; k < 4; ++k) dst[b].qh[k] = static_cast<uint8_t>(high >> (8 * k));
  }
}

float dot_q5_1_q8_0(std::span<const BlockQ5_1> w, std::span<const BlockQ8_0> x) {
  uint8_t q[32];
  float sum = 0.0f;
  for (size_t b = 0; b < w.size(); ++b) {
    unpack_q5(w[b].qh, w[b].qs, q);
    int32_t dot = 0;
    int32_t x_sum = 0;
    for (size_t i = 0; i < 32; ++i) {
      dot += q[i] * x[b].qs[i];
      x_sum += x[b].qs[i];
    }
    const float dx = fp16_to_f32(x[b].d);
    sum += fp16_to_f32(w[b].d) * dx * static_cast<float>(dot) +
           fp16_to_f32(w[b].m) * dx * static_cast<float>(x_sum);
  }
  return sum;
}

}  // namespace cloister::engine::kernels
