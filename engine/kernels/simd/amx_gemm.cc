// The AMX blocked product: TDPBSUD multiplies a tile of 16 tokens' signed
// activation bytes (A, 16 x block) with a tile of unsigned weight bytes in the
// panel's VNNI layout (B, block/4 x 64) into 16 x 16 int32 sums (C); the
// float step per block (zero-point correction, scales) runs in AVX-512 as in
// avx512_gemm. Batches under 16 tokens use avx512_gemm.
//
// This machine-specific code could only be compiled, not run, where it was
// written (no AMX there); kernels_test compares it with the scalar reference
// on any machine that has AMX.
#include "engine/kernels/simd/amx_kernels.h"
#include "engine/kernels/simd/target.h"

// int32 -> float conversions use the zero-masked form: GCC 12 warns
// (maybe-uninitialized) inside the unmasked _mm512_cvtepi32_ps.

#if CLOISTER_X86
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "engine/kernels/simd/avx512_kernels.h"

namespace cloister::engine::kernels::simd {
namespace {

constexpr size_t kTileRows = 16;

// The 64-byte operand of LDTILECFG (palette 1).
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};
static_assert(sizeof(TileConfig) == 64);

// Tiles: 0, 1 = C for the panel's two vectors; 2 = A; 3, 4 = B per vector.
CLOISTER_TARGET_AMX void configure_tiles(size_t tokens, size_t block) {
  TileConfig config;
  for (int c = 0; c < 2; ++c) {
    config.rows[c] = static_cast<uint8_t>(tokens);
    config.colsb[c] = 64;
  }
  config.rows[2] = static_cast<uint8_t>(tokens);
  config.colsb[2] = static_cast<uint16_t>(block);
  for (int b = 3; b < 5; ++b) {
    config.rows[b] = static_cast<uint8_t>(block / 4);
    config.colsb[b] = 64;
  }
  _tile_loadconfig(&config);
}

// Adds one block's int32 sums (c[token][16 rows]) to the float results.
CLOISTER_TARGET_AMX void scale_block(const int32_t* c, const float* row_scale, const float* row_min,
                                     const SplitActivations& x, size_t t0, size_t tokens, size_t b,
                                     size_t block, int32_t zero_point, float* f) {
  const __m512 rs = _mm512_loadu_ps(row_scale);
  for (size_t t = 0; t < tokens; ++t) {
    const size_t token = t0 + t;
    const int32_t* sums = x.sum16 + token * (x.cols / 16);
    const int32_t block_sum = block == 32 ? sums[2 * b] + sums[2 * b + 1] : sums[b];
    const __m512i acc =
        _mm512_sub_epi32(_mm512_loadu_si512(c + 16 * t), _mm512_set1_epi32(zero_point * block_sum));
    const size_t scale_block = block == 32 ? b : b / 2;
    const __m512 scale =
        _mm512_mul_ps(rs, _mm512_set1_ps(x.scale[token * (x.cols / 32) + scale_block]));
    __m512 sum =
        _mm512_fmadd_ps(_mm512_maskz_cvtepi32_ps(0xffff, acc), scale, _mm512_loadu_ps(f + 16 * t));
    if (row_min != nullptr) {
      sum = _mm512_fmadd_ps(_mm512_loadu_ps(row_min),
                            _mm512_set1_ps(x.scaled_sum[token * (x.cols / 32) + b]), sum);
    }
    _mm512_storeu_ps(f + 16 * t, sum);
  }
}

CLOISTER_TARGET_AMX void amx_panel(const GemmArgs& a, const WeightPanel& panel, size_t r0) {
  const SplitActivations& x = *a.x;
  const size_t block = panel.block;
  const size_t blocks = panel.cols / block;
  const size_t vectors = panel.vectors();
  alignas(64) int32_t c[2][kTileRows * 16];
  alignas(64) float f[2][kTileRows * 16];
  size_t configured = 0;
  for (size_t t0 = 0; t0 < x.tokens; t0 += kTileRows) {
    const size_t tokens = std::min(kTileRows, x.tokens - t0);
    if (tokens != configured) {
      configure_tiles(tokens, block);
      configured = tokens;
    }
    std::memset(f, 0, sizeof(f));
    for (size_t b = 0; b < blocks; ++b) {
      _tile_loadd(2, x.q + t0 * x.cols + b * block, static_cast<int>(x.cols));
      _tile_zero(0);
      _tile_loadd(3, panel.vector_q(0) + b * (block / 4) * 64, 64);
      _tile_dpbsud(0, 2, 3);
      _tile_stored(0, c[0], 64);
      if (vectors == 2) {
        _tile_zero(1);
        _tile_loadd(4, panel.vector_q(1) + b * (block / 4) * 64, 64);
        _tile_dpbsud(1, 2, 4);
        _tile_stored(1, c[1], 64);
      }
      for (size_t v = 0; v < vectors; ++v) {
        const float* row_min = panel.has_min ? panel.vector_min(v) + b * 16 : nullptr;
        scale_block(c[v], panel.vector_scale(v) + b * 16, row_min, x, t0, tokens, b, block,
                    panel.zero_point, f[v]);
      }
    }
    for (size_t v = 0; v < vectors; ++v) {
      const size_t first = 16 * v;
      const size_t valid = std::min<size_t>(16, panel.rows - first);
      const auto mask = static_cast<__mmask16>((1u << valid) - 1);
      for (size_t t = 0; t < tokens; ++t) {
        _mm512_mask_storeu_ps(a.y + (t0 + t) * a.y_stride + r0 + first, mask,
                              _mm512_loadu_ps(f[v] + 16 * t));
      }
    }
  }
  _tile_release();
}

}  // namespace

void amx_gemm(const GemmArgs& a) {
  if (a.x->tokens < kTileRows) {
    avx512_gemm(a);
    return;
  }
  WeightPanel panel = gemm_panel_for(a.type, a.x->cols, *a.workspace);
  for (size_t r0 = 0; r0 < a.rows; r0 += kPanelRows) {
    const size_t rows = std::min(kPanelRows, a.rows - r0);
    const uint8_t* weights = a.weights + r0 * a.row_stride;
    PanelPrefetcher next_panel(weights + rows * a.row_stride, rows * a.row_stride);
    avx512_unpack_panel(a.type, weights, a.row_stride, rows, panel, next_panel);
    amx_panel(a, panel, r0);
  }
}

}  // namespace cloister::engine::kernels::simd

#endif  // CLOISTER_X86
