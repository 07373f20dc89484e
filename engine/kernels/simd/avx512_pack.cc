// Packing at load. Each panel of 32 rows is unpacked as the per-call path
// does, then stored in the packed layout (gemm.h): Q8_0 block by block with
// its scales in halves, which is exact since they came from the file's
// halves; Q4_K with two values to a byte and Q6_K as a nibble and two bits,
// with the scales, mins and super-block factors copied from the file as
// they are.
#include "engine/kernels/simd/avx512_kernels.h"
#include "engine/kernels/simd/target.h"

#if CLOISTER_X86
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "engine/kernels/k_scales.h"
#include "engine/kernels/q4_k.h"
#include "engine/kernels/q6_k.h"

namespace cloister::engine::kernels::simd {
namespace {

CLOISTER_TARGET_AVX512 void store_q8_0_panel(const WeightPanel& panel, uint8_t* packed) {
  for (size_t b = 0; b < panel.cols / 32; ++b) {
    for (size_t v = 0; v < panel.vectors(); ++v) {
      const uint8_t* values = panel.vector_q(v) + b * kPackedVectorValues;
      for (size_t g = 0; g < 8; ++g) {
        std::memcpy(packed_group(packed, b, g, v), values + g * kPackedGroupBytes,
                    kPackedGroupBytes);
      }
      const __m256i halves =
          _mm512_maskz_cvtps_ph(0xffff, _mm512_loadu_ps(panel.vector_scale(v) + b * kPanelLanes),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(packed_scales(packed, b, v)), halves);
    }
  }
}

// The values come from the unpacked panel (bytes 0..15), the factors
// straight from the rows' blocks.
CLOISTER_TARGET_AVX512 void store_q4_k_panel(const WeightPanel& panel, const uint8_t* weights,
                                             size_t row_stride, uint8_t* packed) {
  const __m512i low4 = _mm512_set1_epi8(0x0f);
  for (size_t b = 0; b < panel.cols / 32; ++b) {
    for (size_t v = 0; v < panel.vectors(); ++v) {
      const uint8_t* groups = panel.vector_q(v) + b * kPackedVectorValues;
      for (size_t k = 0; k < 4; ++k) {
        const __m512i low = _mm512_and_si512(_mm512_loadu_si512(groups + 64 * k), low4);
        const __m512i high = _mm512_and_si512(_mm512_loadu_si512(groups + 64 * (k + 4)), low4);
        _mm512_storeu_si512(packed_q4_k_values(packed, b, k, v),
                            _mm512_or_si512(low, _mm512_slli_epi16(high, 4)));
      }
    }
  }
  for (size_t r = 0; r < panel.rows; ++r) {
    const size_t v = r / kPanelLanes;
    const size_t lane = r % kPanelLanes;
    const auto* blocks = reinterpret_cast<const BlockQ4_K*>(weights + r * row_stride);
    for (size_t s = 0; s < panel.cols / kQK_K; ++s) {
      uint8_t* halves = packed_q4_k_halves(packed, s, v);
      std::memcpy(halves + lane * sizeof(uint16_t), &blocks[s].d, sizeof(uint16_t));
      std::memcpy(halves + (kPanelLanes + lane) * sizeof(uint16_t), &blocks[s].dmin,
                  sizeof(uint16_t));
      uint8_t scales_mins[16];
      unpack_scales_mins_k4(blocks[s].scales, scales_mins);
      for (size_t j = 0; j < 8; ++j) {
        uint8_t* factors = packed_q4_k_scales(packed, 8 * s + j, v);
        factors[lane] = scales_mins[j];
        factors[kPanelLanes + lane] = scales_mins[8 + j];
      }
    }
  }
}

// The values come from the unpacked panel (bytes 0..63, 16-column blocks of
// 4 groups), the scales and d straight from the rows' blocks.
CLOISTER_TARGET_AVX512 void store_q6_k_panel(const WeightPanel& panel, const uint8_t* weights,
                                             size_t row_stride, uint8_t* packed) {
  const __m512i low4 = _mm512_set1_epi8(0x0f);
  const __m512i low2 = _mm512_set1_epi8(0x03);
  for (size_t b = 0; b < panel.cols / 16; ++b) {
    for (size_t v = 0; v < panel.vectors(); ++v) {
      const uint8_t* groups = panel.vector_q(v) + b * 4 * 64;
      __m512i q[4];
      for (size_t g = 0; g < 4; ++g) q[g] = _mm512_loadu_si512(groups + 64 * g);
      for (size_t k = 0; k < 2; ++k) {
        const __m512i low = _mm512_and_si512(q[k], low4);
        const __m512i high = _mm512_slli_epi16(_mm512_and_si512(q[k + 2], low4), 4);
        _mm512_storeu_si512(packed_q6_k_nibbles(packed, b, k, v), _mm512_or_si512(low, high));
      }
      __m512i high_bits = _mm512_setzero_si512();
      for (size_t g = 0; g < 4; ++g) {
        const __m512i two = _mm512_and_si512(_mm512_srli_epi16(q[g], 4), low2);
        high_bits = _mm512_or_si512(
            high_bits, _mm512_sll_epi16(two, _mm_cvtsi32_si128(static_cast<int>(2 * g))));
      }
      _mm512_storeu_si512(packed_q6_k_high_bits(packed, b, v), high_bits);
    }
  }
  for (size_t r = 0; r < panel.rows; ++r) {
    const size_t v = r / kPanelLanes;
    const size_t lane = r % kPanelLanes;
    const auto* blocks = reinterpret_cast<const BlockQ6_K*>(weights + r * row_stride);
    for (size_t s = 0; s < panel.cols / kQK_K; ++s) {
      std::memcpy(packed_q6_k_halves(packed, s, v) + lane * sizeof(uint16_t), &blocks[s].d,
                  sizeof(uint16_t));
      for (size_t j = 0; j < 16; ++j) {
        std::memcpy(packed_q6_k_scales(packed, 16 * s + j, v) + lane, &blocks[s].scales[j], 1);
      }
    }
  }
}

}  // namespace

CLOISTER_TARGET_AVX512 void avx512_pack_panels(TensorType type, const uint8_t* weights,
                                               size_t row_stride, size_t rows, size_t cols,
                                               uint8_t* out) {
  GemmWorkspace workspace;
  WeightPanel panel = gemm_panel_for(type, cols, workspace);
  const size_t panel_bytes = packed_panel_bytes(type, cols);
  for (size_t r0 = 0; r0 < rows; r0 += kPanelRows) {
    PanelPrefetcher none;
    const uint8_t* first_row = weights + r0 * row_stride;
    avx512_unpack_panel(type, first_row, row_stride, std::min(kPanelRows, rows - r0), panel, none);
    uint8_t* packed = out + r0 / kPanelRows * panel_bytes;
    // A full panel is written whole below. In a last, partial one the lanes
    // past its last row are zeroed (the kernels compute them, never store them).
    if (panel.rows < kPanelRows) std::memset(packed, 0, panel_bytes);
    switch (type) {
      case TensorType::kQ4_K: store_q4_k_panel(panel, first_row, row_stride, packed); break;
      case TensorType::kQ6_K: store_q6_k_panel(panel, first_row, row_stride, packed); break;
      default: store_q8_0_panel(panel, packed); break;
    }
  }
}

}  // namespace cloister::engine::kernels::simd

#endif  // CLOISTER_X86
