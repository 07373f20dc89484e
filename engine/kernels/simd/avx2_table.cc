// The AVX2 kernel table: AVX2 kernels where they exist, scalar ones for the
// rarer types (Q4_1, Q5_0, Q5_1), and no blocked kernels (matrix products
// take dot products token by token).
#include "engine/kernels/dispatch.h"
#include "engine/kernels/simd/avx2_kernels.h"

namespace cloister::engine::kernels {
namespace {

#if CLOISTER_X86
KernelTable make_table() {
  KernelTable t = scalar_kernels();
  t.path = KernelPath::kAvx2;
  t.quantize_q8_0 = simd::avx2_quantize_q8_0;
  t.quantize_q8_k = simd::avx2_quantize_q8_k;
  auto set = [&t](TensorType type, DotFn fn) { t.dot[static_cast<size_t>(type)] = fn; };
  set(TensorType::kF32, simd::avx2_dot_f32);
  set(TensorType::kF16, simd::avx2_dot_f16);
  set(TensorType::kBF16, simd::avx2_dot_bf16);
  set(TensorType::kQ8_0, simd::avx2_dot_q8_0);
  set(TensorType::kQ4_0, simd::avx2_dot_q4_0);
  set(TensorType::kQ4_K, simd::avx2_dot_q4_k);
  set(TensorType::kQ5_K, simd::avx2_dot_q5_k);
  set(TensorType::kQ6_K, simd::avx2_dot_q6_k);
  t.dot_f32 = simd::avx2_vector_dot_f32;
  t.dot_f32_f16 = simd::avx2_vector_dot_f32_f16;
  t.axpy_f32 = simd::avx2_axpy_f32;
  t.axpy_f16 = simd::avx2_axpy_f16;
  t.f32_to_f16 = simd::avx2_f32_to_f16;
  t.dot_rows_f16 = simd::avx2_dot_rows_f16;
  t.weighted_rows_f16 = simd::avx2_weighted_rows_f16;
  t.softmax = simd::avx2_softmax;
  t.swiglu = simd::avx2_swiglu;
  return t;
}
#else
KernelTable make_table() { return scalar_kernels(); }
#endif

}  // namespace

const KernelTable& avx2_kernels() {
  static const KernelTable table = make_table();
  return table;
}

}  // namespace cloister::engine::kernels
