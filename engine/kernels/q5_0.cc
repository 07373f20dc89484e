#include "engine/kernels/q5_0.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/kernels/fp16.h"

namespace cloister::engine::kernels {

void unpack_q5(const uint8_t* qh, const uint8_t* qs, uint8_t* q) {
  const uint32_t high = static_cast<uint32_t>(qh[0]) | (static_cast<uint32_t>(qh[1]) << 8) |
                        (static_cast<uint32_t>(qh[2]) << 16) | (static_cast<uint32_t>(qh[3]) << 24);
  for (size_t i = 0; i < 16; ++i) {
    q[i] = static_cast<uint8_t>((qs[i] & 0x0f) | (((high >> i) & 1) << 4));
    q[i + 16] = static_cast<uint8_t>((qs[i] >> 4) | (((high >> (i + 16)) & 1) << 4));
  }
}

void dequantize_row_q5_0(std::span<const BlockQ5_0> src, std::span<float> dst) {
  uint8_t q[32];
  for (size_t b = 0; b < src.size(); ++b) {
    unpack_q5(src[b].qh, src[b].qs, q);
    const float d = fp16_to_f32(src[b].d);
    for (size_t i = 0; i < 32; ++i) dst[b * 32 + i] = static_cast<float>(q[i] - 16) * d;
  }
}

void quantize_row_q5_0(std::span<const float> src, std::span<BlockQ5_0> dst) {
  for (size_t b = 0; b < dst.size(); ++b) {
    std::span<const float> x = src.subspan(b * 32, 32);
    float amax = 0.0f;
    float max = 0.0f;
    for (float v : x) {
      if (std::fabs(v) > amax) {
        amax = std::fabs(v);
        max = v;
      }
    }
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    dst[b].d = f32_to_fp16(d);
    uint32_t high = 0;
    for (size_t i = 0; i < 16; ++i) {
      const int q0 = std::min(31, static_cast<int>(x[i] * id + 16.5f));
      const int q1 = std::min(31, static_cast<int>(x[i + 16] * id + 16.5f));
      dst[b].qs[i] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      high |= static_cast<uint32_t>((q0 >> 4) & 1) << i;
      high |= static_cast<uint32_t>((q1 >> 4) & 1) << (i + 16);
    }
    for (size_t k = 0; k < 4; ++k) dst[b].qh[k] = static_cast<uint8_t>(high >> (8 * k));
  }
}

float dot_q5_0_q8_0(std::span<const BlockQ5_0> w, std::span<const BlockQ8_0> x) {
  uint8_t q[32];
  float sum = 0.0f;
  for (size_t b = 0; b < w.size(); ++b) {
    unpack_q5(w[b].qh, w[b].qs, q);
    int32_t dot = 0;
    for (size_t i = 0; i < 32; ++i) dot += (q[i] - 16) * x[b].qs[i];
    sum += fp16_to_f32(w[b].d) * fp16_to_f32(x[b].d) * static_cast<float>(dot);
  }
  return sum;
}

}  // namespace cloister::engine::kernels
