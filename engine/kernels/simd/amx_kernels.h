// The AMX (tile) kernels. Call them only where cpu_features.h reports AMX and
// Linux granted this process tile data (the dispatcher does).
#pragma once

#include "engine/kernels/gemm.h"

namespace cloister::engine::kernels::simd {

// The blocked product (GemmFn) with AMX-INT8 tiles, for batches of 16 tokens
// or more (smaller ones go to avx512_gemm).
void amx_gemm(const GemmArgs& args);

}  // namespace cloister::engine::kernels::simd
