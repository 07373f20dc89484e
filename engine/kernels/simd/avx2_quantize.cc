// AVX2 activation quantization to Q8_0 and Q8_K, bit-identical to the scalar
// reference (same operations in the same float precision, same rounding).
#include "engine/kernels/simd/avx2_kernels.h"

#if CLOISTER_X86

#include "engine/kernels/fp16.h"
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

CLOISTER_TARGET_AVX2 void avx2_quantize_q8_0(const float* x, size_t n, BlockQ8_0* out) {
  for (size_t b = 0; b < n / 32; ++b) {
    const float* p = x + 32 * b;
    __m256 v[4];
    for (int i = 0; i < 4; ++i) v[i] = _mm256_loadu_ps(p + 8 * i);
    const __m256 m01 = _mm256_max_ps(abs_ps(v[0]), abs_ps(v[1]));
    const __m256 m23 = _mm256_max_ps(abs_ps(v[2]), abs_ps(v[3]));
    const float amax = hmax(_mm256_max_ps(m01, m23));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    out[b].d = f32_to_fp16(d);
    const __m256 scale = _mm256_set1_ps(id);
    __m256i q[4];
    for (int i = 0; i < 4; ++i) {
      q[i] = _mm256_cvtps_epi32(round_half_away(_mm256_mul_ps(v[i], scale)));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[b].qs),
                        pack_i32_to_i8(q[0], q[1], q[2], q[3]));
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
