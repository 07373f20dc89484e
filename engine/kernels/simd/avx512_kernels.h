// The AVX-512 (F, BW, VL, VNNI) kernels: blocked products of weight panels
// with batches of tokens. Call them only where cpu_features.h reports these
// instruction sets (the dispatcher does).
#pragma once

#include "engine/kernels/gemm.h"
#include "engine/kernels/simd/panel_prefetcher.h"

namespace cloister::engine::kernels::simd {

// Unpacks `rows` rows of `type` into `panel`, with AVX-512 code for the common
// types (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K) and the portable unpack_panel otherwise,
// prefetching `next_panel` at the rate it reads this one.
void avx512_unpack_panel(TensorType type, const uint8_t* weights, size_t row_stride, size_t rows,
                         WeightPanel& panel, PanelPrefetcher& next_panel);

// The blocked product (GemmFn) with AVX-512 VNNI.
void avx512_gemm(const GemmArgs& args);

// Packs rows of a packable type for avx512_gemm (PackFn).
void avx512_pack_panels(TensorType type, const uint8_t* weights, size_t row_stride, size_t rows,
                        size_t cols, uint8_t* out);

// Returns true for the types avx512_gemm takes.
bool avx512_gemm_supports(TensorType type);

}  // namespace cloister::engine::kernels::simd
