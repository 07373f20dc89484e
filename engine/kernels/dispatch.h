// The kernels of one kernel path (scalar, AVX2, AVX-512, AMX) gathered in a
// table of function pointers, and the choice of the table the engine uses.
// The scalar reference functions in the per-type files define what every
// kernel computes; faster paths may sum in another order, and the kernel
// tests hold each of them to the scalar result.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/result.h"
#include "engine/kernels/attention_rows.h"
#include "engine/kernels/cpu_features.h"
#include "engine/kernels/gemm.h"
#include "engine/kernels/q8_0.h"
#include "engine/kernels/q8_k.h"
#include "engine/tensor/tensor_type.h"

namespace cloister::engine::kernels {

inline constexpr size_t kTensorTypeSlots = 40;  // ggml type ids are below this

// Returns the dot product of one weight row of `n` elements with activations
// `x` prepared in the row type's activation format (BlockQ8_0, BlockQ8_K or
// float values).
using DotFn = float (*)(const uint8_t* row, const void* x, size_t n);

struct KernelTable {
  KernelPath path = KernelPath::kScalar;

  // Activation quantization of `n` values (a multiple of the block size).
  void (*quantize_q8_0)(const float* x, size_t n, BlockQ8_0* out) = nullptr;
  void (*quantize_q8_k)(const float* x, size_t n, BlockQ8_K* out) = nullptr;

  // One dot-product kernel per weight type id; never null for computable types.
  std::array<DotFn, kTensorTypeSlots> dot{};

  // Blocked products of weight rows with tiles of 16 tokens (see gemm.h).
  // Null when the path has none; matrix products then take dot products
  // token by token. gemm_supports says which weight types it takes.
  GemmFn gemm = nullptr;
  bool (*gemm_supports)(TensorType type) = nullptr;
  // Packs a matrix of a packable type (gemm.h) for `gemm`, which then takes
  // GemmArgs::packed for any number of tokens. Null when the path does not pack.
  PackFn pack_panels = nullptr;

  // Float vector helpers for attention and the KV cache. `f16` arguments
  // are IEEE halves.
  float (*dot_f32)(const float* a, const float* b, size_t n) = nullptr;
  float (*dot_f32_f16)(const float* a, const uint16_t* b, size_t n) = nullptr;
  void (*axpy_f32)(float a, const float* x, float* y, size_t n) = nullptr;     // y += a x
  void (*axpy_f16)(float a, const uint16_t* x, float* y, size_t n) = nullptr;  // y += a x
  void (*f32_to_f16)(const float* x, uint16_t* out, size_t n) = nullptr;  // round to nearest even
  // Attention over a KV cache of IEEE halves, for several queries that share
  // the cached rows (the heads of one KV head, the tokens of one sequence):
  // scores[j * n + i] = dot(query j, row i) for j < queries.count and i < n;
  // and out[j * dim + d] = sum over i < counts[j] of weights row j [i] * row
  // i [d], for j < weights.count.
  void (*dot_rows_f16)(Rows queries, CachedRows rows, size_t n, float* scores) = nullptr;
  void (*weighted_rows_f16)(Rows weights, const uint32_t* counts, CachedRows rows,
                            float* out) = nullptr;
  // Replaces x[0..n) by softmax(scale * x), for scale > 0.
  void (*softmax)(float* x, size_t n, float scale) = nullptr;
  // The feed-forward activation: gate[i] = silu(gate[i]) * up[i] for i < n,
  // where silu(x) = x / (1 + e^-x).
  void (*swiglu)(float* gate, const float* up, size_t n) = nullptr;

  // Returns the dot kernel for `type`.
  DotFn dot_for(TensorType type) const { return dot[static_cast<size_t>(type)]; }
};

// Returns the table of `path`. The caller checks that the CPU supports it.
const KernelTable& kernel_table(KernelPath path);

// Returns the table the engine computes with: the fastest path this machine
// supports (asking the OS for AMX permission the first time), unless
// set_kernel_path chose another.
const KernelTable& active_kernels();

// Makes `path` the one active_kernels() returns, for tests and benchmarks.
// Fails, changing nothing, if this machine cannot run it. Not meant to be
// called while another thread computes.
Status set_kernel_path(KernelPath path);

// Returns the path active_kernels() uses.
KernelPath active_kernel_path();

// Per-path tables, defined in the path's own files.
const KernelTable& scalar_kernels();
const KernelTable& avx2_kernels();
const KernelTable& avx512_kernels();
const KernelTable& amx_kernels();

}  // namespace cloister::engine::kernels
