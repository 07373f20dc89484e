// The AVX2 + FMA + F16C kernels. Call them only where cpu_features.h reports
// those instruction sets (the dispatcher does).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/kernels/attention_rows.h"
#include "engine/kernels/q8_0.h"
#include "engine/kernels/q8_k.h"
#include "engine/kernels/simd/target.h"

namespace cloister::engine::kernels::simd {

void avx2_quantize_q8_0(const float* x, size_t n, BlockQ8_0* out);
void avx2_quantize_q8_k(const float* x, size_t n, BlockQ8_K* out);

// Weight row (n elements) times activations in the row type's format.
float avx2_dot_f32(const uint8_t* row, const void* x, size_t n);
float avx2_dot_f16(const uint8_t* row, const void* x, size_t n);
float avx2_dot_bf16(const uint8_t* row, const void* x, size_t n);
float avx2_dot_q8_0(const uint8_t* row, const void* x, size_t n);
float avx2_dot_q4_0(const uint8_t* row, const void* x, size_t n);
float avx2_dot_q4_k(const uint8_t* row, const void* x, size_t n);
float avx2_dot_q5_k(const uint8_t* row, const void* x, size_t n);
float avx2_dot_q6_k(const uint8_t* row, const void* x, size_t n);

float avx2_vector_dot_f32(const float* a, const float* b, size_t n);
float avx2_vector_dot_f32_f16(const float* a, const uint16_t* b, size_t n);
void avx2_axpy_f32(float a, const float* x, float* y, size_t n);
void avx2_axpy_f16(float a, const uint16_t* x, float* y, size_t n);
void avx2_f32_to_f16(const float* x, uint16_t* out, size_t n);
void avx2_dot_rows_f16(Rows queries, CachedRows rows, size_t n, float* scores);
void avx2_weighted_rows_f16(Rows weights, const uint32_t* counts, CachedRows rows, float* out);
void avx2_softmax(float* x, size_t n, float scale);
void avx2_swiglu(float* gate, const float* up, size_t n);

}  // namespace cloister::engine::kernels::simd
