// AVX2 activation quantization to Q8_0 and Q8_K, bit-identical to the scalar
// reference (same operations in the same float precision, same rounding).
#include "engine/kernels/simd/avx2_kernels.h"

#if CLOISTER_X86

#include <algorithm>

#include "engine/kernels/simd/avx2_common.h"

namespace cloister::engine::kernels::simd {
namespace {

// std::round: to nearest, halfway cases away from zero.
CLOISTER_TARGET_AVX2 __m256 round_half_away(__m256 v) {
  const __m256 truncated = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 fraction = abs_ps(_mm256_sub_ps(v, truncated));  // exact
  const __m256 away = _mm256_cmp_ps(fraction, _mm256_set1_ps(0.5f), _CMP_GE_OQ);
  const __m256 unit = _mm256_or_ps(_mm256_and_ps(v, _mm256_set1_ps(-0.0f)), _mm256_set1_ps(1.0f));
  return _mm256_add_ps(truncated, _mm256_and_ps(away, unit));
}

}  // namespace

// Eight blocks at a time: each block's largest magnitude first, then the
// eight scales and their inverses in one vector each (two divisions and a
// conversion to halves for eight blocks, where one block's chain of them
// took longer than its arithmetic), then the values.
CLOISTER_TARGET_AVX2 void avx2_quantize_q8_0(const float* x, size_t n, BlockQ8_0* out) {
  constexpr size_t kGroup = 8;
  const size_t blocks = n / 32;
  for (size_t b0 = 0; b0 < blocks; b0 += kGroup) {
    const size_t count = std::min(kGroup, blocks - b0);
    alignas(32) float amax[kGroup] = {};
    for (size_t i = 0; i < count; ++i) {
      const float* p = x + 32 * (b0 + i);
      const __m256 m01 = _mm256_max_ps(abs_ps(_mm256_loadu_ps(p)), abs_ps(_mm256_loadu_ps(p + 8)));
      const __m256 m23 =
          _mm256_max_ps(abs_ps(_mm256_loadu_ps(p + 16)), abs_ps(_mm256_loadu_ps(p + 24)));
      amax[i] = hmax(_mm256_max_ps(m01, m23));
    }
    // d = amax / 127 and id = 1 / d (0 where d is 0), as the scalar
    // reference computes them, and d rounded to a half as f32_to_fp16 does.
    const __m256 d = _mm256_div_ps(_mm256_load_ps(amax), _mm256_set1_ps(127.0f));
    const __m256 nonzero = _mm256_cmp_ps(d, _mm256_setzero_ps(), _CMP_NEQ_UQ);
    alignas(32) float id[kGroup];
    _mm256_store_ps(id, _mm256_and_ps(_mm256_div_ps(_mm256_set1_ps(1.0f), d), nonzero));
    alignas(16) uint16_t halves[kGroup];
    _mm_store_si128(reinterpret_cast<__m128i*>(halves),
                    _mm256_cvtps_ph(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    for (size_t i = 0; i < count; ++i) {
      const float* p = x + 32 * (b0 + i);
      const __m256 scale = _mm256_set1_ps(id[i]);
      __m256i q[4];
      for (int j = 0; j < 4; ++j) {
        q[j] =
            _mm256_cvtps_epi32(round_half_away(_mm256_mul_ps(_mm256_loadu_ps(p + 8 * j), scale)));
      }
      out[b0 + i].d = halves[i];
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[b0 + i].qs),
                          pack_i32_to_i8(q[0], q[1], q[2], q[3]));
    }
  }
}

CLOISTER_TARGET_AVX2 void avx2_quantize_q8_k(const float* x, size_t n, BlockQ8_K* out) {
  for (size_t s = 0; s < n / kQK_K; ++s) {
    const float* p = x + kQK_K * s;
    BlockQ8_K& block = out[s];
    __m256 amax_v = _mm256_setzero_ps();
    for (size_t i = 0; i < kQK_K; i += 8) {
      amax_v = _mm256_max_ps(amax_v, abs_ps(_mm256_loadu_ps(p + i)));
    }
    const float amax = hmax(amax_v);
    if (amax == 0.0f) {
      block = BlockQ8_K{};
      continue;
    }
    // The reference takes the first value of largest magnitude, with its sign.
    float max = 0.0f;
    const __m256 target = _mm256_set1_ps(amax);
    for (size_t i = 0; i < kQK_K; i += 8) {
      const int mask =
          _mm256_movemask_ps(_mm256_cmp_ps(abs_ps(_mm256_loadu_ps(p + i)), target, _CMP_EQ_OQ));
      if (mask != 0) {
        max = p[i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)))];
        break;
      }
    }
    const float iscale = -127.0f / max;
    const __m256 scale = _mm256_set1_ps(iscale);
    const __m256 limit = _mm256_set1_ps(127.0f);
    for (size_t i = 0; i < kQK_K; i += 32) {
      __m256i q[4];
      for (size_t j = 0; j < 4; ++j) {
        const __m256 scaled = _mm256_mul_ps(_mm256_loadu_ps(p + i + 8 * j), scale);
        const __m256 rounded =
            _mm256_round_ps(scaled, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        q[j] = _mm256_cvtps_epi32(_mm256_min_ps(rounded, limit));
      }
      block.bsums[i / 16] = static_cast<int16_t>(hsum_epi32(_mm256_add_epi32(q[0], q[1])));
      block.bsums[i / 16 + 1] = static_cast<int16_t>(hsum_epi32(_mm256_add_epi32(q[2], q[3])));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(block.qs + i),
                          pack_i32_to_i8(q[0], q[1], q[2], q[3]));
    }
    block.d = 1.0f / iscale;
  }
}

}  // namespace cloister::engine::kernels::simd

#endif  // CLOISTER_X86
