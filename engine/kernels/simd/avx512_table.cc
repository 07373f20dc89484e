// The AVX-512 kernel table: the AVX2 dot products (a single token is bound
// by memory bandwidth, not arithmetic) plus the VNNI blocked products that
// batches of tokens use.
#include "engine/kernels/dispatch.h"
#include "engine/kernels/simd/avx512_kernels.h"
#include "engine/kernels/simd/target.h"

namespace cloister::engine::kernels {
namespace {

#if CLOISTER_X86
KernelTable make_table() {
  KernelTable t = avx2_kernels();
  t.path = KernelPath::kAvx512;
  t.gemm = simd::avx512_gemm;
  t.gemm_supports = simd::avx512_gemm_supports;
  t.pack_panels = simd::avx512_pack_panels;
  return t;
}
#else
KernelTable make_table() { return scalar_kernels(); }
#endif

}  // namespace

const KernelTable& avx512_kernels() {
  static const KernelTable table = make_table();
  return table;
}

}  // namespace cloister::engine::kernels
