// Unpacking weight rows into the interleaved panel layout (gemm.h) with
// AVX-512: Q8_0 blocks are transposed straight from the rows; other types'
// rows are first decoded to bytes, 256 at a time, into a small row-major
// buffer. The transpose takes 16 rows of 32 bytes at a time as a 16 x 8
// matrix of 4-byte groups. Meanwhile the next panel is prefetched.
#include "engine/kernels/simd/avx512_kernels.h"
#include "engine/kernels/simd/panel_prefetcher.h"
#include "engine/kernels/simd/target.h"

#if CLOISTER_X86
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "engine/kernels/q4_0.h"
#include "engine/kernels/q4_k.h"
#include "engine/kernels/q5_k.h"
#include "engine/kernels/q6_k.h"
#include "engine/kernels/q8_0.h"

namespace cloister::engine::kernels::simd {
namespace {

constexpr size_t kChunk = 256;  // elements decoded per row at a time

// Transposes 8 rows of 8 four-byte groups: out[g] holds group g of rows 0..7.
CLOISTER_TARGET_AVX512 void transpose8(const __m256i* in, __m256i* out) {
  __m256i t[8];
  __m256i u[8];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_epi32(in[2 * i], in[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_epi32(in[2 * i], in[2 * i + 1]);
  }
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i) {
    u[4 * i + 0] = _mm256_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 1] = _mm256_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 2] = _mm256_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    u[4 * i + 3] = _mm256_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
#pragma GCC unroll 4
  for (int g = 0; g < 4; ++g) {
    out[g] = _mm256_permute2x128_si256(u[g], u[g + 4], 0x20);
    out[g + 4] = _mm256_permute2x128_si256(u[g], u[g + 4], 0x31);
  }
}

// Writes 32 elements (8 groups of 4) of 16 rows, row r's bytes at rows[r]
// XORed with `flip`, into the panel layout at `out` (8 groups of 64 bytes).
CLOISTER_TARGET_AVX512 void transpose_store(const uint8_t* const* rows, __m256i flip,
                                            uint8_t* out) {
#pragma GCC unroll 2
  for (int half = 0; half < 2; ++half) {
    __m256i in[8];
    __m256i columns[8];
#pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) {
      const auto* row = reinterpret_cast<const __m256i*>(rows[8 * half + r]);
      in[r] = _mm256_xor_si256(_mm256_loadu_si256(row), flip);
    }
    transpose8(in, columns);
#pragma GCC unroll 8
    for (int g = 0; g < 8; ++g) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + g * 64 + half * 32), columns[g]);
    }
  }
}

// Q8_0 needs no decoding beyond flipping the sign bit (value + 128), so its
// blocks go straight from the rows into the panel, and their scales are
// gathered 16 rows at a time. Lanes past the last row read the vector's
// first row again, with a zero scale.
CLOISTER_TARGET_AVX512 void unpack_q8_0(const uint8_t* weights, size_t row_stride, size_t rows,
                                        WeightPanel& panel, PanelPrefetcher& next_panel) {
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
  const __m512i scale_bits = _mm512_set1_epi32(0xffff);
  const size_t blocks = panel.cols / 32;
  for (size_t v = 0; v < panel.vectors(); ++v) {
    const size_t first = v * kPanelLanes;
    const uint8_t* values[kPanelLanes];
    alignas(64) int32_t offsets[kPanelLanes];
    for (size_t lane = 0; lane < kPanelLanes; ++lane) {
      const size_t r = first + lane < rows ? first + lane : first;
      values[lane] = weights + r * row_stride + offsetof(BlockQ8_0, qs);
      offsets[lane] = static_cast<int32_t>((r - first) * row_stride);
    }
    const size_t valid = std::min(kPanelLanes, rows - first);
    const auto mask = static_cast<__mmask16>((1u << valid) - 1);
    const __m512i lane_offsets = _mm512_load_si512(offsets);
    const uint8_t* first_row = weights + first * row_stride;
    uint8_t* q = panel.vector_q(v);
    float* scale = panel.vector_scale(v);
    for (size_t b = 0; b < blocks; ++b) {
      next_panel.advance(kPanelLanes * sizeof(BlockQ8_0));
      transpose_store(values, flip, q + b * 8 * 64);
      for (const uint8_t*& value : values) value += sizeof(BlockQ8_0);
      // Four bytes from each block's start: the scale, then two values.
      const __m512i words = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), mask, lane_offsets,
                                                        first_row + b * sizeof(BlockQ8_0), 1);
      const __m256i halves =
          _mm512_maskz_cvtepi32_epi16(0xffff, _mm512_and_si512(words, scale_bits));
      _mm512_storeu_ps(scale + b * kPanelLanes, _mm512_maskz_cvtph_ps(0xffff, halves));
    }
  }
}

// Stores 16 lanes of `count` floats each (lane-major at `lanes`) interleaved:
// out[b * 16 + lane] = lanes[lane * count + b]. Floats are 4-byte groups, so
// eight blocks at a time this is the same transpose as the values'.
CLOISTER_TARGET_AVX512 void interleave_lanes(const float* lanes, size_t count, float* out) {
  const __m256i no_flip = _mm256_setzero_si256();
  size_t b = 0;
  for (; b + 8 <= count; b += 8) {
    const uint8_t* rows[kPanelLanes];
    for (size_t lane = 0; lane < kPanelLanes; ++lane) {
      rows[lane] = reinterpret_cast<const uint8_t*>(lanes + lane * count + b);
    }
    transpose_store(rows, no_flip, reinterpret_cast<uint8_t*>(out + b * kPanelLanes));
  }
  for (; b < count; ++b) {
    for (size_t lane = 0; lane < kPanelLanes; ++lane) {
      out[b * kPanelLanes + lane] = lanes[lane * count + b];
    }
  }
}

// Decoders: write elements [first, first + count) of a row as bytes, and the
// scales (and mins) of the blocks they cover.
struct Decoded {
  uint8_t* bytes;  // count bytes
  float* scales;   // one per block
  float* mins;     // one per block of 32, when the type has them
};

CLOISTER_TARGET_AVX512 void decode_q4_0(const uint8_t* row, size_t first, size_t count,
                                        const Decoded& out) {
  const auto* w = reinterpret_cast<const BlockQ4_0*>(row) + first / 32;
  const __m128i low4 = _mm_set1_epi8(0x0f);
  for (size_t b = 0; b < count / 32; ++b) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].qs));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out.bytes + 32 * b), _mm_and_si128(packed, low4));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out.bytes + 32 * b + 16),
                     _mm_and_si128(_mm_srli_epi16(packed, 4), low4));
    out.scales[b] = _cvtsh_ss(w[b].d);
  }
}

template <bool kFive>
CLOISTER_TARGET_AVX512 void decode_q45_k(const uint8_t* row, size_t first, size_t /*count*/,
                                         const Decoded& out) {
  using Block = std::conditional_t<kFive, BlockQ5_K, BlockQ4_K>;
  const Block& block = reinterpret_cast<const Block*>(row)[first / kQK_K];
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i one = _mm256_set1_epi8(1);
  __m256i high_bits = _mm256_setzero_si256();
  if constexpr (kFive) high_bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block.qh));
  for (size_t chunk = 0; chunk < 4; ++chunk) {
    const __m256i packed =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block.qs + 32 * chunk));
    __m256i low = _mm256_and_si256(packed, low4);
    __m256i high = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low4);
    if constexpr (kFive) {
      low = _mm256_or_si256(low, _mm256_slli_epi16(_mm256_and_si256(high_bits, one), 4));
      high_bits = _mm256_srli_epi16(high_bits, 1);
      high = _mm256_or_si256(high, _mm256_slli_epi16(_mm256_and_si256(high_bits, one), 4));
      high_bits = _mm256_srli_epi16(high_bits, 1);
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.bytes + 64 * chunk), low);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.bytes + 64 * chunk + 32), high);
  }
  alignas(16) uint8_t scales_mins[16];
  unpack_scales_mins_k4(block.scales, scales_mins);
  const __m512 factors = _mm512_mask_blend_ps(0xff00, _mm512_set1_ps(_cvtsh_ss(block.d)),
                                              _mm512_set1_ps(-_cvtsh_ss(block.dmin)));
  const __m512i small = _mm512_maskz_cvtepu8_epi32(
      0xffff, _mm_load_si128(reinterpret_cast<const __m128i*>(scales_mins)));
  const __m512 values = _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(0xffff, small), factors);
  alignas(64) float both[16];
  _mm512_store_ps(both, values);
  std::memcpy(out.scales, both, 8 * sizeof(float));
  std::memcpy(out.mins, both + 8, 8 * sizeof(float));
}

CLOISTER_TARGET_AVX512 void decode_q6_k(const uint8_t* row, size_t first, size_t /*count*/,
                                        const Decoded& out) {
  const BlockQ6_K& block = reinterpret_cast<const BlockQ6_K*>(row)[first / kQK_K];
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i two_bits = _mm256_set1_epi8(0x03);
  for (size_t half = 0; half < 2; ++half) {
    const uint8_t* ql = block.ql + 64 * half;
    const __m256i bits_a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql));
    const __m256i bits_b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 32));
    const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block.qh + 32 * half));
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
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.bytes + 128 * half + 32 * k), q[k]);
    }
  }
  const __m512i scales = _mm512_maskz_cvtepi8_epi32(
      0xffff, _mm_loadu_si128(reinterpret_cast<const __m128i*>(block.scales)));
  _mm512_storeu_ps(out.scales, _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(0xffff, scales),
                                             _mm512_set1_ps(_cvtsh_ss(block.d))));
}

using DecodeFn = void (*)(const uint8_t*, size_t, size_t, const Decoded&);

DecodeFn decoder_for(TensorType type) {
  switch (type) {
    case TensorType::kQ4_0: return decode_q4_0;
    case TensorType::kQ4_K: return decode_q45_k<false>;
    case TensorType::kQ5_K: return decode_q45_k<true>;
    case TensorType::kQ6_K: return decode_q6_k;
    default: return nullptr;
  }
}

}  // namespace

CLOISTER_TARGET_AVX512 void avx512_unpack_panel(TensorType type, const uint8_t* weights,
                                                size_t row_stride, size_t rows, WeightPanel& panel,
                                                PanelPrefetcher& next_panel) {
  if (type == TensorType::kQ8_0) {
    panel.rows = rows;
    unpack_q8_0(weights, row_stride, rows, panel, next_panel);
    return;
  }
  const DecodeFn decode = decoder_for(type);
  if (decode == nullptr) {
    unpack_panel(type, weights, row_stride, rows, panel);
    next_panel.advance(rows * row_stride);
    return;
  }
  panel.rows = rows;
  const size_t cols = panel.cols;
  const size_t block = panel.block;
  // Each row is decoded whole, start to end, so that the weights are read
  // as sequentially as a dot product reads them (decoding 16 rows a chunk at
  // a time left the hardware prefetcher behind); the 16 decoded rows then
  // sit in this thread's buffer (16 x cols bytes, in L2) for the transpose.
  thread_local std::vector<uint8_t> decoded;
  if (decoded.size() < kPanelLanes * cols) decoded.resize(kPanelLanes * cols);
  // Scales (and mins) are decoded row by row too, into lane-major buffers,
  // then interleaved with the same 4-byte transpose as the values (storing
  // them one lane at a time touched a cache line per store).
  const size_t scale_blocks = cols / block;
  const size_t min_blocks = panel.has_min ? cols / 32 : 0;
  thread_local std::vector<float> row_scales;
  thread_local std::vector<float> row_mins;
  if (row_scales.size() < kPanelLanes * scale_blocks) row_scales.resize(kPanelLanes * scale_blocks);
  if (row_mins.size() < kPanelLanes * min_blocks) row_mins.resize(kPanelLanes * min_blocks);
  for (size_t v = 0; v < panel.vectors(); ++v) {
    for (size_t lane = 0; lane < kPanelLanes; ++lane) {
      const size_t r = v * kPanelLanes + lane;
      uint8_t* bytes = decoded.data() + lane * cols;
      float* scales = row_scales.data() + lane * scale_blocks;
      float* mins = row_mins.data() + lane * min_blocks;
      if (r >= rows) {
        std::memset(bytes, 0, cols);
        std::fill_n(scales, scale_blocks, 0.0f);
        std::fill_n(mins, min_blocks, 0.0f);
        continue;
      }
      const uint8_t* row = weights + r * row_stride;
      for (size_t first = 0; first < cols; first += kChunk) {
        const size_t count = cols - first < kChunk ? cols - first : kChunk;
        next_panel.advance(row_stride * count / cols);
        decode(row, first, count,
               {bytes + first, scales + first / block, min_blocks ? mins + first / 32 : nullptr});
      }
    }
    uint8_t* q = panel.vector_q(v);
    interleave_lanes(row_scales.data(), scale_blocks, panel.vector_scale(v));
    if (panel.has_min) interleave_lanes(row_mins.data(), min_blocks, panel.vector_min(v));
    const __m256i no_flip = _mm256_setzero_si256();
    for (size_t c = 0; c < cols; c += 32) {
      const uint8_t* lanes[kPanelLanes];
      for (size_t lane = 0; lane < kPanelLanes; ++lane) {
        lanes[lane] = decoded.data() + lane * cols + c;
      }
      transpose_store(lanes, no_flip, q + c / 4 * 64);
    }
  }
}

}  // namespace cloister::engine::kernels::simd

#endif  // CLOISTER_X86
