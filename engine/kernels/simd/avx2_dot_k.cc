// AVX2 dot products of the K-quant rows (Q4_K, Q5_K, Q6_K) with Q8_K
// activations. Per super-block of 256: 4- to 6-bit values times activation
// bytes in 16-bit pairs (maddubs), times the sub-block scales (madd), summed
// in int32; the float scales apply once per super-block.
#include "engine/kernels/simd/avx2_kernels.h"

#if CLOISTER_X86
#include <cstring>

#include "engine/kernels/q4_k.h"
#include "engine/kernels/q5_k.h"
#include "engine/kernels/q6_k.h"
#include "engine/kernels/simd/avx2_common.h"

namespace cloister::engine::kernels::simd {
namespace {

// Unpacks the 12 bytes of 6-bit scales and mins (k_scales.h) into 8 scales
// followed by 8 mins, one byte each.
void unpack_scales_mins(const uint8_t* packed, uint8_t* out) {
  constexpr uint32_t kLow6 = 0x3f3f3f3f;
  constexpr uint32_t kLow4 = 0x0f0f0f0f;
  constexpr uint32_t kLow2 = 0x03030303;
  uint32_t w[4];
  std::memcpy(w, packed, 12);
  w[3] = ((w[2] >> 4) & kLow4) | (((w[1] >> 6) & kLow2) << 4);
  const uint32_t mins_low = w[1] & kLow6;
  w[1] = (w[2] & kLow4) | (((w[0] >> 6) & kLow2) << 4);
  w[2] = mins_low;
  w[0] &= kLow6;
  std::memcpy(out, w, 16);
}

// Sum over the 8 sub-blocks of min[j] * (sum of the activations of sub-block j).
CLOISTER_TARGET_AVX2 int32_t min_term(const uint8_t* mins, const int16_t* bsums) {
  const __m256i sums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bsums));
  // Adjacent groups of 16 make a sub-block of 32.
  const __m128i pair_sums =
      _mm_hadd_epi16(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
  const __m128i mins16 = _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(mins)));
  const __m128i products = _mm_madd_epi16(mins16, pair_sums);
  __m128i x = _mm_add_epi32(products, _mm_unpackhi_epi64(products, products));
  x = _mm_add_epi32(x, _mm_shuffle_epi32(x, 1));
  return _mm_cvtsi128_si32(x);
}

// Q4_K and Q5_K share everything but the fifth bit.
template <bool kFive>
CLOISTER_TARGET_AVX2 float dot_q45_k(const uint8_t* row, const void* xv, size_t n) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const auto* w = reinterpret_cast<const Block*>(row);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i one = _mm256_set1_epi8(1);
  __m256 acc = _mm256_setzero_ps();
  float acc_min = 0.0f;
  for (size_t s = 0; s < n / kQK_K; ++s) {
    alignas(16) uint8_t scales_mins[16];
    unpack_scales_mins(w[s].scales, scales_mins);
    const float d = x[s].d * half_to_float(w[s].d);
    const float dmin = x[s].d * half_to_float(w[s].dmin);
    acc_min += dmin * static_cast<float>(min_term(scales_mins + 8, x[s].bsums));
    __m256i high_bits = _mm256_setzero_si256();
    if constexpr (kFive) {
      high_bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[s].qh));
    }
    __m256i sum = _mm256_setzero_si256();
    for (size_t chunk = 0; chunk < 4; ++chunk) {
      const __m256i packed =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[s].qs + 32 * chunk));
      __m256i q_low = _mm256_and_si256(packed, low4);
      __m256i q_high = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low4);
      if constexpr (kFive) {
        // Sub-block 2*chunk takes bit 2*chunk of qh, the next one the bit after.
        q_low = _mm256_or_si256(q_low, _mm256_slli_epi16(_mm256_and_si256(high_bits, one), 4));
        high_bits = _mm256_srli_epi16(high_bits, 1);
        q_high = _mm256_or_si256(q_high, _mm256_slli_epi16(_mm256_and_si256(high_bits, one), 4));
        high_bits = _mm256_srli_epi16(high_bits, 1);
      }
      const __m256i x_low =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[s].qs + 64 * chunk));
      const __m256i x_high =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[s].qs + 64 * chunk + 32));
      const __m256i scale_low = _mm256_set1_epi16(scales_mins[2 * chunk]);
      const __m256i scale_high = _mm256_set1_epi16(scales_mins[2 * chunk + 1]);
      const __m256i p_low = _mm256_madd_epi16(scale_low, _mm256_maddubs_epi16(q_low, x_low));
      const __m256i p_high = _mm256_madd_epi16(scale_high, _mm256_maddubs_epi16(q_high, x_high));
      sum = _mm256_add_epi32(sum, _mm256_add_epi32(p_low, p_high));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
  }
  return hsum(acc) - acc_min;
}

}  // namespace

CLOISTER_TARGET_AVX2 float avx2_dot_q4_k(const uint8_t* row, const void* x, size_t n) {
  return dot_q45_k<false>(row, x, n);
}

CLOISTER_TARGET_AVX2 float avx2_dot_q5_k(const uint8_t* row, const void* x, size_t n) {
  return dot_q45_k<true>(row, x, n);
}

// Q6_K: values 0..63 (stored q + 32) times activations, scaled per 16; the
// offset of 32 comes off at the end as 32 * sum(scale * group sum).
CLOISTER_TARGET_AVX2 float avx2_dot_q6_k(const uint8_t* row, const void* xv, size_t n) {
  const auto* w = reinterpret_cast<const BlockQ6_K*>(row);
  const auto* x = static_cast<const BlockQ8_K*>(xv);
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i two_bits = _mm256_set1_epi8(0x03);
  __m256 acc = _mm256_setzero_ps();
  for (size_t s = 0; s < n / kQK_K; ++s) {
    const __m256i scales16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w[s].scales)));
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[s].bsums));
    const int32_t offset = 32 * hsum_epi32(_mm256_madd_epi16(scales16, bsums));
    __m256i sum = _mm256_setzero_si256();
    for (size_t half = 0; half < 2; ++half) {
      const uint8_t* ql = w[s].ql + 64 * half;
      const __m256i bits_a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql));
      const __m256i bits_b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 32));
      const __m256i high =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[s].qh + 32 * half));
      __m256i q[4];
      q[0] = _mm256_or_si256(_mm256_and_si256(bits_a, low4),
                             _mm256_slli_epi16(_mm256_and_si256(high, two_bits), 4));
      q[1] = _mm256_or_si256(
          _mm256_and_si256(bits_b, low4),
          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 2), two_bits), 4));
      q[2] = _mm256_or_si256(
          _mm256_and_si256(_mm256_srli_epi16(bits_a, 4), low4),
          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 4), two_bits), 4));
      q[3] = _mm256_or_si256(
          _mm256_and_si256(_mm256_srli_epi16(bits_b, 4), low4),
          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 6), two_bits), 4));
      for (size_t k = 0; k < 4; ++k) {
        const size_t group = 8 * half + 2 * k;  // scale index of the first 16 values
        const __m256i xq =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[s].qs + 128 * half + 32 * k));
        const __m256i scale = _mm256_set_m128i(_mm_set1_epi16(w[s].scales[group + 1]),
                                               _mm_set1_epi16(w[s].scales[group]));
        sum = _mm256_add_epi32(sum, _mm256_madd_epi16(scale, _mm256_maddubs_epi16(q[k], xq)));
      }
    }
    const float d = x[s].d * half_to_float(w[s].d);
    sum = _mm256_sub_epi32(sum, _mm256_setr_epi32(offset, 0, 0, 0, 0, 0, 0, 0));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
  }
  return hsum(acc);
}

}  // namespace cloister::engine::kernels::simd

#endif  // CLOISTER_X86
