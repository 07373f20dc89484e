#include "engine/kernels/k_quantize.h"

#include <algorithm>
#include <cmath>

#include "engine/kernels/fp16.h"

namespace cloister::engine::kernels {
namespace {

uint8_t to_6_bits(float value) {
  return static_cast<uint8_t>(std::clamp(static_cast<int>(std::nearbyint(value)), 0, 63));
}

}  // namespace

AffineSuperBlock quantize_affine_super_block(std::span<const float> x, int max_q) {
  AffineSuperBlock out;
  float scales[8];
  float mins[8];
  float max_scale = 0.0f;
  float max_min = 0.0f;
  for (size_t j = 0; j < 8; ++j) {
    std::span<const float> sub = x.subspan(j * 32, 32);
    const float lo = std::min(0.0f, *std::min_element(sub.begin(), sub.end()));
    const float hi = *std::max_element(sub.begin(), sub.end());
    scales[j] = (hi - lo) / static_cast<float>(max_q);
    mins[j] = -lo;
    max_scale = std::max(max_scale, scales[j]);
    max_min = std::max(max_min, mins[j]);
  }
  out.d = f32_to_fp16(max_scale / 63.0f);
  out.dmin = f32_to_fp16(max_min / 63.0f);
  const float d = fp16_to_f32(out.d);
  const float dmin = fp16_to_f32(out.dmin);
  for (size_t j = 0; j < 8; ++j) {
    out.scales[j] = d > 0.0f ? to_6_bits(scales[j] / d) : 0;
    out.mins[j] = dmin > 0.0f ? to_6_bits(mins[j] / dmin) : 0;
    const float step = d * out.scales[j];
    const float offset = dmin * out.mins[j];
    for (size_t l = 0; l < 32; ++l) {
      const size_t e = j * 32 + l;
      int q = step > 0.0f ? static_cast<int>(std::nearbyint((x[e] + offset) / step)) : 0;
      out.q[e] = static_cast<uint8_t>(std::clamp(q, 0, max_q));
    }
  }
  return out;
}

}  // namespace cloister::engine::kernels
