// The scalar path: the reference kernels of each type, behind the table.
#include <algorithm>
#include <cmath>

#include "engine/kernels/bf16.h"
#include "engine/kernels/dispatch.h"
#include "engine/kernels/f16.h"
#include "engine/kernels/f32.h"
#include "engine/kernels/fp16.h"
#include "engine/kernels/q4_0.h"
#include "engine/kernels/q4_1.h"
#include "engine/kernels/q4_k.h"
#include "engine/kernels/q5_0.h"
#include "engine/kernels/q5_1.h"
#include "engine/kernels/q5_k.h"
#include "engine/kernels/q6_k.h"

namespace cloister::engine::kernels {
namespace {

template <typename T>
std::span<const T> span_of(const void* data, size_t count) {
  return {static_cast<const T*>(data), count};
}

template <typename Block, size_t kElements, typename XBlock,
          float (*kDot)(std::span<const Block>, std::span<const XBlock>)>
float block_dot(const uint8_t* row, const void* x, size_t n) {
  return kDot(span_of<Block>(row, n / kElements), span_of<XBlock>(x, n / kElements));
}

float dot_f32_row(const uint8_t* row, const void* x, size_t n) {
  return dot_f32(span_of<float>(row, n), span_of<float>(x, n));
}
float dot_f16_row(const uint8_t* row, const void* x, size_t n) {
  return dot_f16(span_of<uint16_t>(row, n), span_of<float>(x, n));
}
float dot_bf16_row(const uint8_t* row, const void* x, size_t n) {
  return dot_bf16(span_of<uint16_t>(row, n), span_of<float>(x, n));
}

void quantize_q8_0(const float* x, size_t n, BlockQ8_0* out) {
  quantize_row_q8_0({x, n}, {out, n / kQ8_0BlockElements});
}
void quantize_q8_k(const float* x, size_t n, BlockQ8_K* out) {
  quantize_row_q8_k({x, n}, {out, n / kQK_K});
}

float vector_dot_f32(const float* a, const float* b, size_t n) {
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}
float vector_dot_f32_f16(const float* a, const uint16_t* b, size_t n) {
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) sum += a[i] * fp16_to_f32(b[i]);
  return sum;
}
void vector_axpy_f32(float a, const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += a * x[i];
}
void vector_axpy_f16(float a, const uint16_t* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += a * fp16_to_f32(x[i]);
}
void vector_f32_to_f16(const float* x, uint16_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = f32_to_fp16(x[i]);
}

void vector_dot_rows_f16(Rows queries, CachedRows rows, size_t n, float* scores) {
  for (size_t j = 0; j < queries.count; ++j) {
    for (size_t i = 0; i < n; ++i) {
      scores[j * n + i] = vector_dot_f32_f16(queries.data + j * queries.stride,
                                             rows.data + i * rows.stride, rows.dim);
    }
  }
}
void vector_weighted_rows_f16(Rows weights, const uint32_t* counts, CachedRows rows, float* out) {
  for (size_t j = 0; j < weights.count; ++j) {
    float* sum = out + j * rows.dim;
    for (size_t d = 0; d < rows.dim; ++d) sum[d] = 0.0f;
    for (size_t i = 0; i < counts[j]; ++i) {
      vector_axpy_f16(weights.data[j * weights.stride + i], rows.data + i * rows.stride, sum,
                      rows.dim);
    }
  }
}

void vector_softmax(float* x, size_t n, float scale) {
  if (n == 0) return;
  float max = x[0] * scale;
  for (size_t i = 0; i < n; ++i) {
    x[i] *= scale;
    max = std::max(max, x[i]);
  }
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const auto inverse = static_cast<float>(1.0 / sum);
  for (size_t i = 0; i < n; ++i) x[i] *= inverse;
}

void vector_swiglu(float* gate, const float* up, size_t n) {
  for (size_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

KernelTable make_table() {
  KernelTable t;
  t.path = KernelPath::kScalar;
  t.quantize_q8_0 = quantize_q8_0;
  t.quantize_q8_k = quantize_q8_k;
  auto set = [&t](TensorType type, DotFn fn) { t.dot[static_cast<size_t>(type)] = fn; };
  set(TensorType::kF32, dot_f32_row);
  set(TensorType::kF16, dot_f16_row);
  set(TensorType::kBF16, dot_bf16_row);
  set(TensorType::kQ8_0, block_dot<BlockQ8_0, 32, BlockQ8_0, dot_q8_0_q8_0>);
  set(TensorType::kQ4_0, block_dot<BlockQ4_0, 32, BlockQ8_0, dot_q4_0_q8_0>);
  set(TensorType::kQ4_1, block_dot<BlockQ4_1, 32, BlockQ8_0, dot_q4_1_q8_0>);
  set(TensorType::kQ5_0, block_dot<BlockQ5_0, 32, BlockQ8_0, dot_q5_0_q8_0>);
  set(TensorType::kQ5_1, block_dot<BlockQ5_1, 32, BlockQ8_0, dot_q5_1_q8_0>);
  set(TensorType::kQ4_K, block_dot<BlockQ4_K, kQK_K, BlockQ8_K, dot_q4_k_q8_k>);
  set(TensorType::kQ5_K, block_dot<BlockQ5_K, kQK_K, BlockQ8_K, dot_q5_k_q8_k>);
  set(TensorType::kQ6_K, block_dot<BlockQ6_K, kQK_K, BlockQ8_K, dot_q6_k_q8_k>);
  t.dot_f32 = vector_dot_f32;
  t.dot_f32_f16 = vector_dot_f32_f16;
  t.axpy_f32 = vector_axpy_f32;
  t.axpy_f16 = vector_axpy_f16;
  t.f32_to_f16 = vector_f32_to_f16;
  t.dot_rows_f16 = vector_dot_rows_f16;
  t.weighted_rows_f16 = vector_weighted_rows_f16;
  t.softmax = vector_softmax;
  t.swiglu = vector_swiglu;
  return t;
}

}  // namespace

const KernelTable& scalar_kernels() {
  static const KernelTable table = make_table();
  return table;
}

}  // namespace cloister::engine::kernels
