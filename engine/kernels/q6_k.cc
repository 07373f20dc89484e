#include "engine/kernels/q6_k.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/kernels/fp16.h"

namespace cloister::engine::kernels {

// Within each half (128 values) of the block, element l + 32k (l < 32, k < 4)
// takes the low or high nibble of ql[l] or ql[l + 32] and bits 2k, 2k+1 of qh[l].
void unpack_q6_k(const BlockQ6_K& block, int8_t* q) {
  for (size_t half = 0; half < 2; ++half) {
    const uint8_t* ql = block.ql + half * 64;
    const uint8_t* qh = block.qh + half * 32;
    int8_t* out = q + half * 128;
    for (size_t l = 0; l < 32; ++l) {
      out[l + 0] = static_cast<int8_t>(((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32);
      out[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32);
      out[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
      out[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
    }
  }
}

void dequantize_row_q6_k(std::span<const BlockQ6_K> src, std::span<float> dst) {
  int8_t q[kQK_K];
  for (size_t b = 0; b < src.size(); ++b) {
    const BlockQ6_K& block = src[b];
    unpack_q6_k(block, q);
    const float d = fp16_to_f32(block.d);
    for (size_t e = 0; e < kQK_K; ++e) {
      const int8_t scale = block.scales[e / 16];  // each scale covers 16 elements
      dst[b * kQK_K + e] = d * scale * q[e];
    }
  }
}

void quantize_row_q6_k(std::span<const float> src, std::span<BlockQ6_K> dst) {
  for (size_t b = 0; b < dst.size(); ++b) {
    std::span<const float> x = src.subspan(b * kQK_K, kQK_K);
    BlockQ6_K& block = dst[b];
    std::memset(&block, 0, sizeof(block));
    // Each sub-block's value of largest magnitude maps to q - 32 = -32.
    float sub_scales[16];
    float max_abs_scale = 0.0f;
    for (size_t j = 0; j < 16; ++j) {
      float amax = 0.0f;
      float max = 0.0f;
      for (size_t l = 0; l < 16; ++l) {
        const float v = x[j * 16 + l];
        if (std::fabs(v) > amax) {
          amax = std::fabs(v);
          max = v;
        }
      }
      sub_scales[j] = max / -32.0f;
      max_abs_scale = std::max(max_abs_scale, std::fabs(sub_scales[j]));
    }
    block.d = f32_to_fp16(max_abs_scale / 127.0f);
    const float d = fp16_to_f32(block.d);
    uint8_t levels[kQK_K];
    for (size_t j = 0; j < 16; ++j) {
      const int scale =
          d > 0.0f ? std::clamp(static_cast<int>(std::nearbyint(sub_scales[j] / d)), -128, 127) : 0;
      block.scales[j] = static_cast<int8_t>(scale);
      const float step = d * static_cast<float>(scale);
      for (size_t l = 0; l < 16; ++l) {
        const size_t e = j * 16 + l;
        const int q = step != 0.0f ? static_cast<int>(std::nearbyint(x[e] / step)) : 0;
        levels[e] = static_cast<uint8_t>(std::clamp(q, -32, 31) + 32);
      }
    }
    for (size_t half = 0; half < 2; ++half) {
      uint8_t* ql = block.ql + half * 64;
      uint8_t* qh = block.qh + half * 32;
      const uint8_t* in = levels + half * 128;
      for (size_t l = 0; l < 32; ++l) {
        ql[l] = static_cast<uint8_t>((in[l] & 0x0f) | ((in[l + 64] & 0x0f) << 4));
        ql[l + 32] = static_cast<uint8_t>((in[l + 32] & 0x0f) | ((in[l + 96] & 0x0f) << 4));
        qh[l] = static_cast<uint8_t>((in[l] >> 4) | ((in[l + 32] >> 4) << 2) |
                                     ((in[l + 64] >> 4) << 4) | ((in[l + 96] >> 4) << 6));
      }
    }
  }
}

float dot_q6_k_q8_k(std::span<const BlockQ6_K> w, std::span<const BlockQ8_K> x) {
  int8_t q[kQK_K];
  float sum = 0.0f;
  for (size_t b = 0; b < w.size(); ++b) {
    const BlockQ6_K& block = w[b];
    unpack_q6_k(block, q);
    int32_t isum = 0;
    for (size_t j = 0; j < 16; ++j) {
      int32_t dot = 0;
      for (size_t l = 0; l < 16; ++l) dot += q[j * 16 + l] * x[b].qs[j * 16 + l];
      isum += block.scales[j] * dot;
    }
    sum += fp16_to_f32(block.d) * x[b].d * static_cast<float>(isum);
  }
  return sum;
}

}  // namespace cloister::engine::kernels
