// The feed-forward activation, 8 values at a time with the polynomial
// exponential that softmax uses (avx2_common.h).
#include "engine/kernels/simd/avx2_kernels.h"

#if CLOISTER_X86
#include "engine/kernels/simd/avx2_common.h"

namespace cloister::engine::kernels::simd {
namespace {

// silu(x) = x / (1 + e^-x), formed from e = e^-|x| so that the exponential
// never overflows: x / (1 + e) for x >= 0, and x e / (1 + e) below.
CLOISTER_TARGET_AVX2 __m256 silu(__m256 x) {
  const __m256 minus_abs = _mm256_or_ps(x, _mm256_set1_ps(-0.0f));
  const __m256 e = exp_nonpositive(minus_abs);
  const __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
  const __m256 numerator = _mm256_blendv_ps(x, _mm256_mul_ps(x, e), negative);
  return _mm256_div_ps(numerator, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

}  // namespace

CLOISTER_TARGET_AVX2 void avx2_swiglu(float* gate, const float* up, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = silu(_mm256_loadu_ps(gate + i));
    _mm256_storeu_ps(gate + i, _mm256_mul_ps(g, _mm256_loadu_ps(up + i)));
  }
  if (i < n) {
    // The tail through a buffer, so that it takes the same arithmetic.
    float g[8] = {};
    float u[8] = {};
    for (size_t k = 0; k < n - i; ++k) {
      g[k] = gate[i + k];
      u[k] = up[i + k];
    }
    _mm256_storeu_ps(g, _mm256_mul_ps(silu(_mm256_loadu_ps(g)), _mm256_loadu_ps(u)));
    for (size_t k = 0; k < n - i; ++k) gate[i + k] = g[k];
  }
}

}  // namespace cloister::engine::kernels::simd

#endif  // CLOISTER_X86
