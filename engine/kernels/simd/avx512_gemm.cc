// The AVX-512 VNNI blocked product: for a panel of 32 weight rows (two
// vectors of 16) and up to 8 tokens at a time, each 4-byte group of the
// panel is multiplied with 4 activation bytes of each token (broadcast) by
// VPDPBUSD, accumulating int32 sums per block; per block, the sums become
// floats once, times the row scales and the token's activation scale (per
// super-block of 256 columns for packed Q4_K and Q6_K: micro_kernel_k).
// Panels are unpacked from the rows per call, or read as they are where the
// matrix was packed at load (gemm.h): Q8_0 bytes, or Q4_K and Q6_K values
// in fewer bits, which are put together into bytes in registers.
#include "engine/kernels/simd/avx512_kernels.h"
#include "engine/kernels/simd/target.h"

// int32 -> float and byte -> int32 conversions use the zero-masked form:
// GCC 12 warns (maybe-uninitialized) inside the unmasked intrinsics.

#if CLOISTER_X86
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace cloister::engine::kernels::simd {
namespace {

constexpr size_t kTokensPerPass = 8;

// Where a panel's values and scales come from.
enum class Layout {
  kUnpacked,  // unpacked per call (WeightPanel's buffers)
  kQ8_0,      // packed Q8_0
  kQ4_K,      // packed Q4_K (micro_kernel_k)
  kQ6_K,      // packed Q6_K (micro_kernel_k)
};

struct TokenRows {
  const int8_t* q;
  const float* scale;
  const int32_t* sum16;
  const float* scaled_sum;
  const int32_t* pair_sums;
};

// Stores the valid rows of each vector's sums for every token into y.
// Inlined by force: called, it takes the sums through the stack, and a
// single Q8_0 token decoded 15% slower (1.1B, 2026-12-07).
template <int kVectors, int kTokens>
CLOISTER_TARGET_AVX512 inline __attribute__((always_inline)) void store_rows(
    const WeightPanel& panel, const __m512 (&f)[kVectors][kTokens], float* y, size_t y_stride) {
#pragma GCC unroll 16
  for (int v = 0; v < kVectors; ++v) {
    const size_t first = 16 * static_cast<size_t>(v);
    const size_t valid = panel.rows > first ? std::min<size_t>(16, panel.rows - first) : 0;
    const auto mask = static_cast<__mmask16>((1u << valid) - 1);
#pragma GCC unroll 16
    for (int t = 0; t < kTokens; ++t) {
      _mm512_mask_storeu_ps(y + static_cast<size_t>(t) * y_stride + first, mask, f[v][t]);
    }
  }
}

// Computes rows [16 * v, 16 * v + 16) for v < kVectors of `panel` (a
// panel unpacked per call, or packed Q8_0), for kTokens tokens, and stores
// the valid rows of each into y. `next` advances by `prefetch_step` bytes
// per block.
template <int kVectors, int kTokens, int kBlock, bool kMin, Layout kLayout>
CLOISTER_TARGET_AVX512 void micro_kernel(const WeightPanel& panel, const TokenRows* tokens,
                                         float* y, size_t y_stride, PanelPrefetcher& next,
                                         size_t prefetch_step) {
  constexpr bool kUnpacked = kLayout == Layout::kUnpacked;
  const size_t cols = panel.cols;
  const size_t blocks = cols / kBlock;
  const int32_t zero_point = panel.zero_point;
  const uint8_t* wq[kVectors];
  const float* ws[kVectors];
  const float* wm[kVectors];
#pragma GCC unroll 16
  for (int v = 0; v < kVectors; ++v) {
    wq[v] = kUnpacked ? panel.vector_q(v) : nullptr;
    ws[v] = kUnpacked ? panel.vector_scale(v) : nullptr;
    wm[v] = kUnpacked && kMin ? panel.vector_min(v) : nullptr;
  }
  __m512 f[kVectors][kTokens];
#pragma GCC unroll 16
  for (int v = 0; v < kVectors; ++v) {
#pragma GCC unroll 16
    for (int t = 0; t < kTokens; ++t) f[v][t] = _mm512_setzero_ps();
  }
  for (size_t b = 0; b < blocks; ++b) {
    next.advance(prefetch_step);
    __m512i acc[kVectors][kTokens];
#pragma GCC unroll 16
    for (int t = 0; t < kTokens; ++t) {
      const int32_t* sums = tokens[t].sum16;
      const int32_t block_sum = kBlock == 32 ? sums[2 * b] + sums[2 * b + 1] : sums[b];
      const __m512i correction = _mm512_set1_epi32(-zero_point * block_sum);
#pragma GCC unroll 16
      for (int v = 0; v < kVectors; ++v) acc[v][t] = correction;
    }
    const size_t group0 = b * (kBlock / 4);
#pragma GCC unroll 16
    for (int g = 0; g < kBlock / 4; ++g) {
      __m512i w[kVectors];
#pragma GCC unroll 16
      for (int v = 0; v < kVectors; ++v) {
        if constexpr (kLayout == Layout::kQ8_0) {
          w[v] = _mm512_loadu_si512(packed_group(panel.q, b, g, v));
        } else {
          w[v] = _mm512_loadu_si512(wq[v] + (group0 + g) * 64);
        }
      }
#pragma GCC unroll 16
      for (int t = 0; t < kTokens; ++t) {
        int32_t word = 0;
        std::memcpy(&word, tokens[t].q + (group0 + g) * 4, 4);
        const __m512i x = _mm512_set1_epi32(word);
#pragma GCC unroll 16
        for (int v = 0; v < kVectors; ++v) acc[v][t] = _mm512_dpbusd_epi32(acc[v][t], w[v], x);
      }
    }
    const size_t scale_block = kBlock == 32 ? b : b / 2;
#pragma GCC unroll 16
    for (int v = 0; v < kVectors; ++v) {
      __m512 row_scale;
      __m512 row_min = _mm512_setzero_ps();
      if constexpr (kLayout == Layout::kQ8_0) {
        const __m256i halves =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(packed_scales(panel.q, b, v)));
        row_scale = _mm512_maskz_cvtph_ps(0xffff, halves);
      } else {
        row_scale = _mm512_loadu_ps(ws[v] + b * 16);
        if constexpr (kMin) row_min = _mm512_loadu_ps(wm[v] + b * 16);
      }
#pragma GCC unroll 16
      for (int t = 0; t < kTokens; ++t) {
        const __m512 scale = _mm512_mul_ps(row_scale, _mm512_set1_ps(tokens[t].scale[scale_block]));
        f[v][t] = _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(0xffff, acc[v][t]), scale, f[v][t]);
      }
      if constexpr (kMin) {
#pragma GCC unroll 16
        for (int t = 0; t < kTokens; ++t) {
          f[v][t] = _mm512_fmadd_ps(row_min, _mm512_set1_ps(tokens[t].scaled_sum[b]), f[v][t]);
        }
      }
    }
  }
  store_rows<kVectors, kTokens>(panel, f, y, y_stride);
}

// The packed K-quant kernel (Q4_K, Q6_K), on the same plan, with the
// scales applied as ggml's own K-quant products apply them: each block's
// integer sums times its integer factor (6-bit for Q4_K, signed 8-bit for
// Q6_K) stay integers (VPMULLD) until the end of the super-block of 256
// columns, whose activations share one scale (Q8_K). Q4_K's mins are then
// one product of 16-bit pairs per two blocks (VPDPWSSD: the mins times the
// activation blocks' sums). So the float work is once per 256 columns, not
// once per block of 32 (Q4_K) or 16 (Q6_K).
template <int kVectors, int kTokens, Layout kLayout>
CLOISTER_TARGET_AVX512 void micro_kernel_k(const WeightPanel& panel, const TokenRows* tokens,
                                           float* y, size_t y_stride, PanelPrefetcher& next,
                                           size_t prefetch_step) {
  constexpr bool kQ4 = kLayout == Layout::kQ4_K;
  constexpr size_t kBlock = kQ4 ? 32 : 16;  // columns per factor
  constexpr size_t kBlocks = 256 / kBlock;  // in a super-block
  const __m512i low4 = _mm512_set1_epi8(0x0f);
  const __m512i bits45 = _mm512_set1_epi8(0x30);
  __m512 f[kVectors][kTokens];
#pragma GCC unroll 16
  for (int v = 0; v < kVectors; ++v) {
#pragma GCC unroll 16
    for (int t = 0; t < kTokens; ++t) f[v][t] = _mm512_setzero_ps();
  }
  for (size_t s = 0; s < panel.cols / 256; ++s) {
    __m512i scaled[kVectors][kTokens];  // sum over blocks of factor * block's sum
#pragma GCC unroll 16
    for (int v = 0; v < kVectors; ++v) {
#pragma GCC unroll 16
      for (int t = 0; t < kTokens; ++t) scaled[v][t] = _mm512_setzero_si512();
    }
    for (size_t j = 0; j < kBlocks; ++j) {
      const size_t b = s * kBlocks + j;
      next.advance(prefetch_step);
      __m512i acc[kVectors][kTokens];
#pragma GCC unroll 16
      for (int t = 0; t < kTokens; ++t) {
        // Q6_K's bytes are value + 32: -32 times the block's sum corrects it.
        const __m512i start = kQ4 ? _mm512_setzero_si512()
                                  : _mm512_set1_epi32(-panel.zero_point * tokens[t].sum16[b]);
#pragma GCC unroll 16
        for (int v = 0; v < kVectors; ++v) acc[v][t] = start;
      }
#pragma GCC unroll 8
      for (int g = 0; g < static_cast<int>(kBlock / 4); ++g) {
        __m512i w[kVectors];
#pragma GCC unroll 16
        for (int v = 0; v < kVectors; ++v) {
          if constexpr (kQ4) {
            const __m512i two = _mm512_loadu_si512(packed_q4_k_values(panel.q, b, g % 4, v));
            w[v] = _mm512_and_si512(g < 4 ? two : _mm512_srli_epi16(two, 4), low4);
          } else {
            const __m512i two = _mm512_loadu_si512(packed_q6_k_nibbles(panel.q, b, g % 2, v));
            const __m512i low = _mm512_and_si512(g < 2 ? two : _mm512_srli_epi16(two, 4), low4);
            // Group g's two high bits, moved to bits 4 and 5 of each byte.
            const __m512i bits = _mm512_loadu_si512(packed_q6_k_high_bits(panel.q, b, v));
            const __m512i placed = g == 0   ? _mm512_slli_epi16(bits, 4)
                                   : g == 1 ? _mm512_slli_epi16(bits, 2)
                                   : g == 2 ? bits
                                            : _mm512_srli_epi16(bits, 2);
            w[v] = _mm512_or_si512(low, _mm512_and_si512(placed, bits45));
          }
        }
#pragma GCC unroll 16
        for (int t = 0; t < kTokens; ++t) {
          int32_t word = 0;
          std::memcpy(&word, tokens[t].q + b * kBlock + static_cast<size_t>(g) * 4, 4);
          const __m512i x = _mm512_set1_epi32(word);
#pragma GCC unroll 16
          for (int v = 0; v < kVectors; ++v) acc[v][t] = _mm512_dpbusd_epi32(acc[v][t], w[v], x);
        }
      }
#pragma GCC unroll 16
      for (int v = 0; v < kVectors; ++v) {
        const auto* bytes = reinterpret_cast<const __m128i*>(
            kQ4 ? packed_q4_k_scales(panel.q, b, v) : packed_q6_k_scales(panel.q, b, v));
        const __m512i factors = kQ4 ? _mm512_maskz_cvtepu8_epi32(0xffff, _mm_loadu_si128(bytes))
                                    : _mm512_maskz_cvtepi8_epi32(0xffff, _mm_loadu_si128(bytes));
#pragma GCC unroll 16
        for (int t = 0; t < kTokens; ++t) {
          scaled[v][t] = _mm512_add_epi32(scaled[v][t], _mm512_mullo_epi32(acc[v][t], factors));
        }
      }
    }
    // d * scaled (- dmin * the mins times the blocks' sums, for Q4_K), times
    // the activations' scale.
#pragma GCC unroll 16
    for (int v = 0; v < kVectors; ++v) {
      const uint8_t* halves =
          kQ4 ? packed_q4_k_halves(panel.q, s, v) : packed_q6_k_halves(panel.q, s, v);
      const __m512 d = _mm512_maskz_cvtph_ps(
          0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(halves)));
      __m512 dmin = _mm512_setzero_ps();
      __m512i min_pairs[kBlocks / 2];
      if constexpr (kQ4) {
        dmin = _mm512_maskz_cvtph_ps(
            0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(halves + 32)));
#pragma GCC unroll 4
        for (size_t k = 0; k < kBlocks / 2; ++k) {
          const uint8_t* first = packed_q4_k_scales(panel.q, s * kBlocks + 2 * k, v) + kPanelLanes;
          const __m512i low = _mm512_maskz_cvtepu8_epi32(
              0xffff, _mm_loadu_si128(reinterpret_cast<const __m128i*>(first)));
          const __m512i high = _mm512_maskz_cvtepu8_epi32(
              0xffff, _mm_loadu_si128(reinterpret_cast<const __m128i*>(first + kQ4KBlockBytes)));
          min_pairs[k] = _mm512_or_si512(low, _mm512_maskz_slli_epi32(0xffff, high, 16));
        }
      }
#pragma GCC unroll 16
      for (int t = 0; t < kTokens; ++t) {
        __m512 sum = _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(0xffff, scaled[v][t]), d);
        if constexpr (kQ4) {
          __m512i mins = _mm512_setzero_si512();
#pragma GCC unroll 4
          for (size_t k = 0; k < kBlocks / 2; ++k) {
            mins = _mm512_dpwssd_epi32(mins, min_pairs[k],
                                       _mm512_set1_epi32(tokens[t].pair_sums[s * 4 + k]));
          }
          sum = _mm512_fnmadd_ps(_mm512_maskz_cvtepi32_ps(0xffff, mins), dmin, sum);
        }
        f[v][t] = _mm512_fmadd_ps(sum, _mm512_set1_ps(tokens[t].scale[s * 8]), f[v][t]);
      }
    }
  }
  store_rows<kVectors, kTokens>(panel, f, y, y_stride);
}

template <int kVectors, int kBlock, bool kMin, Layout kLayout, size_t... kIndex>
constexpr auto micro_kernels_by_count(std::index_sequence<kIndex...> /*counts*/) {
  if constexpr (kLayout == Layout::kQ4_K || kLayout == Layout::kQ6_K) {
    return std::array{&micro_kernel_k<kVectors, static_cast<int>(kIndex) + 1, kLayout>...};
  } else {
    return std::array{
        &micro_kernel<kVectors, static_cast<int>(kIndex) + 1, kBlock, kMin, kLayout>...};
  }
}

// Runs the micro kernel compiled for `count` (1 to kTokensPerPass) tokens.
template <int kVectors, int kBlock, bool kMin, Layout kLayout>
void run_tokens(const WeightPanel& panel, const TokenRows* tokens, size_t count, float* y,
                size_t y_stride, PanelPrefetcher& next, size_t step) {
  static constexpr auto kByCount = micro_kernels_by_count<kVectors, kBlock, kMin, kLayout>(
      std::make_index_sequence<kTokensPerPass>());
  kByCount[count - 1](panel, tokens, y, y_stride, next, step);
}

// Multiplies one panel with every token of x, 8 at a time. Only the first
// pass over the panel advances `next`.
template <int kBlock, bool kMin, Layout kLayout>
void multiply_panel(const GemmArgs& a, const WeightPanel& panel, size_t r0, PanelPrefetcher& next,
                    size_t step) {
  const SplitActivations& x = *a.x;
  PanelPrefetcher done;
  for (size_t t0 = 0; t0 < x.tokens; t0 += kTokensPerPass) {
    const size_t count = std::min(kTokensPerPass, x.tokens - t0);
    TokenRows tokens[kTokensPerPass];
    for (size_t t = 0; t < count; ++t) {
      const size_t token = t0 + t;
      tokens[t] = {x.q + token * x.cols, x.scale + token * (x.cols / 32),
                   x.sum16 + token * (x.cols / 16), x.scaled_sum + token * (x.cols / 32),
                   x.pair_sums + token * (x.cols / 64)};
    }
    float* y = a.y + t0 * a.y_stride + r0;
    PanelPrefetcher& prefetch = t0 == 0 ? next : done;
    if (panel.vectors() == 2) {
      run_tokens<2, kBlock, kMin, kLayout>(panel, tokens, count, y, a.y_stride, prefetch, step);
    } else {
      run_tokens<1, kBlock, kMin, kLayout>(panel, tokens, count, y, a.y_stride, prefetch, step);
    }
  }
}

template <int kBlock, bool kMin>
void gemm_blocks(const GemmArgs& a, WeightPanel& panel) {
  for (size_t r0 = 0; r0 < a.rows; r0 += kPanelRows) {
    const size_t rows = std::min(kPanelRows, a.rows - r0);
    const uint8_t* weights = a.weights + r0 * a.row_stride;
    PanelPrefetcher next_panel(weights + rows * a.row_stride, rows * a.row_stride);
    avx512_unpack_panel(a.type, weights, a.row_stride, rows, panel, next_panel);
    PanelPrefetcher none;
    multiply_panel<kBlock, kMin, Layout::kUnpacked>(a, panel, r0, none, 0);
  }
}

// Packed panels are read straight from memory, each as one sequential
// stream. For a batch, every line of the next one is prefetched while this
// one is multiplied: on the 1.1B Q8_0 model 8 sequences decoded at 217 tok/s
// with it and 137 without; in later runs, 168 to 179 with every line and 91
// to 115 when only every 2nd or 4th line, or the start of each page, was
// prefetched. A single token is read faster by the hardware prefetcher alone
// (24 tok/s with, 26 to 28 without).
template <int kBlock, bool kMin, Layout kLayout>
void gemm_packed_panels(const GemmArgs& a) {
  const size_t cols = a.x->cols;
  const size_t bytes = packed_panel_bytes(a.type, cols);
  const size_t prefetch_step = a.x->tokens > 1 ? bytes / (cols / kBlock) : 0;
  for (size_t r0 = 0; r0 < a.rows; r0 += kPanelRows) {
    const uint8_t* data = a.packed + r0 / kPanelRows * bytes;
    const WeightPanel panel = packed_panel(a.type, data, std::min(kPanelRows, a.rows - r0), cols);
    PanelPrefetcher next_panel(data + bytes, r0 + kPanelRows < a.rows ? bytes : 0);
    multiply_panel<kBlock, kMin, kLayout>(a, panel, r0, next_panel, prefetch_step);
  }
}

}  // namespace

bool avx512_gemm_supports(TensorType type) { return gemm_type_supported(type); }

void avx512_gemm(const GemmArgs& a) {
  if (a.packed != nullptr) {
    switch (a.type) {
      case TensorType::kQ4_K: gemm_packed_panels<32, true, Layout::kQ4_K>(a); break;
      case TensorType::kQ6_K: gemm_packed_panels<16, false, Layout::kQ6_K>(a); break;
      default: gemm_packed_panels<32, false, Layout::kQ8_0>(a); break;
    }
    return;
  }
  WeightPanel panel = gemm_panel_for(a.type, a.x->cols, *a.workspace);
  if (panel.block == 16) {
    gemm_blocks<16, false>(a, panel);
  } else if (panel.has_min) {
    gemm_blocks<32, true>(a, panel);
  } else {
    gemm_blocks<32, false>(a, panel);
  }
}

}  // namespace cloister::engine::kernels::simd

#endif  // CLOISTER_X86
