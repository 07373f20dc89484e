// Small AVX2 building blocks shared by the AVX2 kernel files. Each function
// has internal linkage (static), so its AVX2 code never stands in for a
// baseline function elsewhere in the binary.
#pragma once

#include "engine/kernels/simd/target.h"

#if CLOISTER_X86
#include <immintrin.h>

#include <cstdint>

namespace cloister::engine::kernels::simd {

// Returns the sum of the 8 lanes.
CLOISTER_TARGET_AVX2 static inline float hsum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

// Returns the largest of the 8 lanes.
CLOISTER_TARGET_AVX2 static inline float hmax(__m256 v) {
  __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_max_ps(x, _mm_movehl_ps(x, x));
  x = _mm_max_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

// Returns the sum of the 8 int32 lanes.
CLOISTER_TARGET_AVX2 static inline int32_t hsum_epi32(__m256i v) {
  __m128i x = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  x = _mm_add_epi32(x, _mm_unpackhi_epi64(x, x));
  x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 1));
  return _mm_cvtsi128_si32(x);
}

// e^x lane by lane for x <= 0, as softmax and SiLU need: x = n ln 2 + r with |r| <=
// ln 2 / 2, e^r from Cephes' degree-6 polynomial for expf, and 2^n written
// into the exponent. Within 2 ulp of e^x; 0 below -87.3, where e^x would
// leave the normal floats.
CLOISTER_TARGET_AVX2 static inline __m256 exp_nonpositive(__m256 x) {
  const __m256 lowest = _mm256_set1_ps(-87.3f);
  const __m256 in_range = _mm256_cmp_ps(x, lowest, _CMP_GE_OQ);
  x = _mm256_max_ps(x, lowest);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // ln 2 in two parts, so that n ln 2 is subtracted without rounding.
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i exponent =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_and_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(exponent)), in_range);
}

// Returns the float value of an IEEE half (exact, as fp16_to_f32).
CLOISTER_TARGET_AVX2 static inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

// Returns |v| lane by lane.
CLOISTER_TARGET_AVX2 static inline __m256 abs_ps(__m256 v) {
  return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

// Products of signed bytes x and y, summed in groups of 4 into 8 int32 lanes.
// maddubs wants one unsigned operand: take |x| and move x's sign onto y.
CLOISTER_TARGET_AVX2 static inline __m256i dot_i8_groups(__m256i x, __m256i y) {
  const __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
  return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
}

// The 32 nibbles of 16 bytes as bytes: low nibbles first, then high ones.
CLOISTER_TARGET_AVX2 static inline __m256i nibbles_to_bytes(const uint8_t* p) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(packed, 4), packed);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0f));
}

// Packs 4 vectors of 8 int32 (each in -128..127) into 32 bytes in order.
CLOISTER_TARGET_AVX2 static inline __m256i pack_i32_to_i8(__m256i a, __m256i b, __m256i c,
                                                          __m256i d) {
  const __m256i ab = _mm256_packs_epi32(a, b);
  const __m256i cd = _mm256_packs_epi32(c, d);
  const __m256i bytes = _mm256_packs_epi16(ab, cd);
  // The packs work within 128-bit lanes; put the 32-bit groups back in order.
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

}  // namespace cloister::engine::kernels::simd

#endif  // CLOISTER_X86
