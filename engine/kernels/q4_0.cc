#include "engine/kernels/q4_0.h"

#include <algorithm>
#include <cmath>

#include "engine/kernels/fp16.h"

namespace cloister::engine::kernels {
namespace {

constexpr size_t kHalf = kQ4_0BlockElements / 2;

int low_value(uint8_t byte) { return (byte & 0x0f) - 8; }
int high_value(uint8_t byte) { return (byte >> 4) - 8; }

}  // namespace

void dequantize_row_q4_0(std::span<const BlockQ4_0> src, std::span<float> dst) {
  for (size_t b = 0; b < src.size(); ++b) {
    const float d = fp16_to_f32(src[b].d);
    float* out = &dst[b * kQ4_0BlockElements];
    for (size_t i = 0; i < kHalf; ++i) {
      out[i] = d * static_cast<float>(low_value(src[b].qs[i]));
      out[i + kHalf] = d * static_cast<float>(high_value(src[b].qs[i]));
    }
  }
}

void quantize_row_q4_0(std::span<const float> src, std::span<BlockQ4_0> dst) {
  for (size_t b = 0; b < dst.size(); ++b) {
    std::span<const float> x = src.subspan(b * kQ4_0BlockElements, kQ4_0BlockElements);
    float amax = 0.0f;
    float max = 0.0f;
    for (float v : x) {
      if (std::fabs(v) > amax) {
        amax = std::fabs(v);
        max = v;
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    dst[b].d = f32_to_fp16(d);
    for (size_t i = 0; i < kHalf; ++i) {
      auto q0 = static_cast<uint8_t>(std::min(15, static_cast<int>(x[i] * id + 8.5f)));
      auto q1 = static_cast<uint8_t>(std::min(15, static_cast<int>(x[i + kHalf] * id + 8.5f)));
      dst[b].qs[i] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

float dot_q4_0_q8_0(std::span<const BlockQ4_0> w, std::span<const BlockQ8_0> x) {
  float sum = 0.0f;
  for (size_t b = 0; b < w.size(); ++b) {
    int32_t isum = 0;
    for (size_t i = 0; i < kHalf; ++i) {
      isum += low_value(w[b].qs[i]) * x[b].qs[i];
      isum += high_value(w[b].qs[i]) * x[b].qs[i + kHalf];
    }
    sum += static_cast<float>(isum) * fp16_to_f32(w[b].d) * fp16_to_f32(x[b].d);
  }
  return sum;
}

}  // namespace cloister::engine::kernels
