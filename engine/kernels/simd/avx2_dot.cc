// AVX2 dot products for the 32-element block types and the float types, and
// float vector helpers.
#include "engine/kernels/simd/avx2_kernels.h"

#if CLOISTER_X86
#include "engine/kernels/fp16.h"
#include "engine/kernels/q4_0.h"
#include "engine/kernels/simd/avx2_common.h"

namespace cloister::engine::kernels::simd {

CLOISTER_TARGET_AVX2 float avx2_dot_q8_0(const uint8_t* row, const void* xv, size_t n) {
  const auto* w = reinterpret_cast<const BlockQ8_0*>(row);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  const size_t blocks = n / 32;
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  size_t b = 0;
  for (; b + 1 < blocks; b += 2) {
    for (size_t k = 0; k < 2; ++k) {
      const __m256i qw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b + k].qs));
      const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b + k].qs));
      const __m256 d = _mm256_set1_ps(half_to_float(w[b + k].d) * half_to_float(x[b + k].d));
      const __m256 dot = _mm256_cvtepi32_ps(dot_i8_groups(qw, qx));
      if (k == 0) {
        acc0 = _mm256_fmadd_ps(d, dot, acc0);
      } else {
        acc1 = _mm256_fmadd_ps(d, dot, acc1);
      }
    }
  }
  for (; b < blocks; ++b) {
    const __m256i qw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b].qs));
    const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs));
    const __m256 d = _mm256_set1_ps(half_to_float(w[b].d) * half_to_float(x[b].d));
    acc0 = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_i8_groups(qw, qx)), acc0);
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

CLOISTER_TARGET_AVX2 float avx2_dot_q4_0(const uint8_t* row, const void* xv, size_t n) {
  const auto* w = reinterpret_cast<const BlockQ4_0*>(row);
  const auto* x = static_cast<const BlockQ8_0*>(xv);
  const __m256i eight = _mm256_set1_epi8(8);
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  for (size_t b = 0; b < n / 32; ++b) {
    const __m256i qw = _mm256_sub_epi8(nibbles_to_bytes(w[b].qs), eight);
    const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs));
    const __m256 d = _mm256_set1_ps(half_to_float(w[b].d) * half_to_float(x[b].d));
    const __m256 dot = _mm256_cvtepi32_ps(dot_i8_groups(qw, qx));
    if (b % 2 == 0) {
      acc0 = _mm256_fmadd_ps(d, dot, acc0);
    } else {
      acc1 = _mm256_fmadd_ps(d, dot, acc1);
    }
  }
  return hsum(_mm256_add_ps(acc0, acc1));
}

namespace {

// Loads 8 values of each float-like weight type as floats.
CLOISTER_TARGET_AVX2 __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
CLOISTER_TARGET_AVX2 __m256 load8(const uint16_t* p, bool bf16) {
  const __m128i halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  if (!bf16) return _mm256_cvtph_ps(halves);
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(halves), 16));
}

CLOISTER_TARGET_AVX2 float dot_half_row(const uint16_t* w, const float* x, size_t n, bool bf16) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (size_t k = 0; k < 4; ++k) {
      acc[k] = _mm256_fmadd_ps(load8(w + i + 8 * k, bf16), load8(x + i + 8 * k), acc[k]);
    }
  }
  for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(load8(w + i, bf16), load8(x + i), acc[0]);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
  for (; i < n; ++i) sum += (bf16 ? bf16_to_f32(w[i]) : half_to_float(w[i])) * x[i];
  return sum;
}

}  // namespace

CLOISTER_TARGET_AVX2 float avx2_vector_dot_f32(const float* a, const float* b, size_t n) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (size_t k = 0; k < 4; ++k) {
      acc[k] = _mm256_fmadd_ps(load8(a + i + 8 * k), load8(b + i + 8 * k), acc[k]);
    }
  }
  for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(load8(a + i), load8(b + i), acc[0]);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

CLOISTER_TARGET_AVX2 float avx2_dot_f32(const uint8_t* row, const void* x, size_t n) {
  return avx2_vector_dot_f32(reinterpret_cast<const float*>(row), static_cast<const float*>(x), n);
}

CLOISTER_TARGET_AVX2 float avx2_dot_f16(const uint8_t* row, const void* x, size_t n) {
  return dot_half_row(reinterpret_cast<const uint16_t*>(row), static_cast<const float*>(x), n,
                      false);
}

CLOISTER_TARGET_AVX2 float avx2_dot_bf16(const uint8_t* row, const void* x, size_t n) {
  return dot_half_row(reinterpret_cast<const uint16_t*>(row), static_cast<const float*>(x), n,
                      true);
}

CLOISTER_TARGET_AVX2 float avx2_vector_dot_f32_f16(const float* a, const uint16_t* b, size_t n) {
  return dot_half_row(b, a, n, false);
}

CLOISTER_TARGET_AVX2 void avx2_axpy_f32(float a, const float* x, float* y, size_t n) {
  const __m256 scale = _mm256_set1_ps(a);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(scale, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += a * x[i];
}

CLOISTER_TARGET_AVX2 void avx2_axpy_f16(float a, const uint16_t* x, float* y, size_t n) {
  const __m256 scale = _mm256_set1_ps(a);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(scale, load8(x + i, false), _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += a * half_to_float(x[i]);
}

CLOISTER_TARGET_AVX2 void avx2_f32_to_f16(const float* x, uint16_t* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i halves = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), halves);
  }
  for (; i < n; ++i) out[i] = f32_to_fp16(x[i]);
}

}  // namespace cloister::engine::kernels::simd

#endif  // CLOISTER_X86
