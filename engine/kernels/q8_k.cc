#include "engine/kernels/q8_k.h"

#include <algorithm>
#include <cmath>

namespace cloister::engine::kernels {

void quantize_row_q8_k(std::span<const float> src, std::span<BlockQ8_K> dst) {
  for (size_t b = 0; b < dst.size(); ++b) {
    std::span<const float> x = src.subspan(b * kQK_K, kQK_K);
    BlockQ8_K& out = dst[b];
    float amax = 0.0f;
    float max = 0.0f;
    for (float v : x) {
      if (std::fabs(v) > amax) {
        amax = std::fabs(v);
        max = v;
      }
    }
    if (amax == 0.0f) {
      out = BlockQ8_K{};
      continue;
    }
    const float iscale = -127.0f / max;
    for (size_t i = 0; i < kQK_K; ++i) {
      out.qs[i] =
          static_cast<int8_t>(std::min(127, static_cast<int>(std::nearbyint(iscale * x[i]))));
    }
    for (size_t g = 0; g < kQK_K / 16; ++g) {
      int sum = 0;
      for (size_t i = 0; i < 16; ++i) sum += out.qs[g * 16 + i];
      out.bsums[g] = static_cast<int16_t>(sum);
    }
    out.d = 1.0f / iscale;
  }
}

void dequantize_row_q8_k(std::span<const BlockQ8_K> src, std::span<float> dst) {
  for (size_t b = 0; b < src.size(); ++b) {
    for (size_t i = 0; i < kQK_K; ++i) {
      dst[b * kQK_K + i] = src[b].d * static_cast<float>(src[b].qs[i]);
    }
  }
}

}  // namespace cloister::engine::kernels
