// The AMX kernel table: the AVX-512 table with AMX tile products for batches.
#include "engine/kernels/dispatch.h"
#include "engine/kernels/simd/amx_kernels.h"
#include "engine/kernels/simd/target.h"

namespace cloister::engine::kernels {
namespace {

#if CLOISTER_X86
KernelTable make_table() {
  KernelTable t = avx512_kernels();
  t.path = KernelPath::kAmx;
  t.gemm = simd::amx_gemm;
  // amx_gemm does not read packed panels, and prefill is faster with tiles
  // than with the packed VNNI kernel, so this path does not pack.
  t.pack_panels = nullptr;
  return t;
}
#else
KernelTable make_table() { return scalar_kernels(); }
#endif

}  // namespace

const KernelTable& amx_kernels() {
  static const KernelTable table = make_table();
  return table;
}

}  // namespace cloister::engine::kernels
