#include "engine/kernels/q4_k.h"

#include <cstring>

#include "engine/kernels/fp16.h"
#include "engine/kernels/k_quantize.h"

namespace cloister::engine::kernels {

void unpack_q4_k(const BlockQ4_K& block, uint8_t* q) {
  for (size_t chunk = 0; chunk < kQK_K / 64; ++chunk) {
    for (size_t l = 0; l < 32; ++l) {
      const uint8_t byte = block.qs[chunk * 32 + l];
      q[chunk * 64 + l] = byte & 0x0f;
      q[chunk * 64 + 32 + l] = byte >> 4;
    }
  }
}

void dequantize_row_q4_k(std::span<const BlockQ4_K> src, std::span<float> dst) {
  uint8_t q[kQK_K];
  for (size_t b = 0; b < src.size(); ++b) {
    const BlockQ4_K& block = src[b];
    unpack_q4_k(block, q);
    const float d = fp16_to_f32(block.d);
    const float dmin = fp16_to_f32(block.dmin);
    for (int j = 0; j < 8; ++j) {
      uint8_t scale = 0;
      uint8_t min = 0;
      unpack_scale_min_k4(j, block.scales, &scale, &min);
      const float d1 = d * scale;
      const float m1 = dmin * min;
      for (size_t l = 0; l < 32; ++l) {
        const size_t e = j * 32 + l;
        dst[b * kQK_K + e] = d1 * q[e] - m1;
      }
    }
  }
}

void quantize_row_q4_k(std::span<const float> src, std::span<BlockQ4_K> dst) {
  for (size_t b = 0; b < dst.size(); ++b) {
    BlockQ4_K& block = dst[b];
    std::memset(&block, 0, sizeof(block));
    AffineSuperBlock affine = quantize_affine_super_block(src.subspan(b * kQK_K, kQK_K), 15);
    block.d = affine.d;
    block.dmin = affine.dmin;
    for (int j = 0; j < 8; ++j)
      pack_scale_min_k4(j, affine.scales[j], affine.mins[j], block.scales);
    for (size_t chunk = 0; chunk < kQK_K / 64; ++chunk) {
      for (size_t l = 0; l < 32; ++l) {
        block.qs[chunk * 32 + l] =
            static_cast<uint8_t>(affine.q[chunk * 64 + l] | (affine.q[chunk * 64 + 32 + l] << 4));
      }
    }
  }
}

float dot_q4_k_q8_k(std::span<const BlockQ4_K> w, std::span<const BlockQ8_K> x) {
  uint8_t q[kQK_K];
  float sum = 0.0f;
  for (size_t b = 0; b < w.size(); ++b) {
    const BlockQ4_K& block = w[b];
    unpack_q4_k(block, q);
    int32_t scaled = 0;  // sum over sub-blocks of scale * sum(q * x)
    int32_t mins = 0;    // sum over sub-blocks of min * sum(x)
    for (int j = 0; j < 8; ++j) {
      uint8_t scale = 0;
      uint8_t min = 0;
      unpack_scale_min_k4(j, block.scales, &scale, &min);
      int32_t dot = 0;
      for (size_t l = 0; l < 32; ++l) dot += q[j * 32 + l] * x[b].qs[j * 32 + l];
      scaled += scale * dot;
      mins += min * (x[b].bsums[2 * j] + x[b].bsums[2 * j + 1]);
    }
    sum += x[b].d * (fp16_to_f32(block.d) * static_cast<float>(scaled) -
                     fp16_to_f32(block.dmin) * static_cast<float>(mins));
  }
  return sum;
}

}  // namespace cloister::engine::kernels
