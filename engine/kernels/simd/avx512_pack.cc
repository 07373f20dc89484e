// Packing Q8_0 matrices at load: each panel of 32 rows is unpacked as the
// per-call path does, then stored block by block (gemm.h) with its scales in
// halves, which is exact since they came from the file's halves.
#include "engine/kernels/simd/avx512_kernels.h"
#include "engine/kernels/simd/target.h"

#if CLOISTER_X86
#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace cloister::engine::kernels::simd {

CLOISTER_TARGET_AVX512 void avx512_pack_panels(TensorType type, const uint8_t* weights,
                                               size_t row_stride, size_t rows, size_t cols,
                                               uint8_t* out) {
  GemmWorkspace workspace;
  WeightPanel panel = gemm_panel_for(type, cols, workspace);
  const size_t panel_bytes = packed_panel_bytes(cols);
  for (size_t r0 = 0; r0 < rows; r0 += kPanelRows) {
    PanelPrefetcher none;
    avx512_unpack_panel(type, weights + r0 * row_stride, row_stride,
                        std::min(kPanelRows, rows - r0), panel, none);
    uint8_t* packed = out + r0 / kPanelRows * panel_bytes;
    // A last panel of 16 rows or fewer has one vector; the other is zeros.
    if (panel.vectors() < 2) std::memset(packed, 0, panel_bytes);
    for (size_t b = 0; b < cols / 32; ++b) {
      for (size_t v = 0; v < panel.vectors(); ++v) {
        std::memcpy(packed_values(packed, b, v), panel.vector_q(v) + b * kPackedVectorValues,
                    kPackedVectorValues);
        const __m256i halves =
            _mm512_maskz_cvtps_ph(0xffff, _mm512_loadu_ps(panel.vector_scale(v) + b * kPanelLanes),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(packed_scales(packed, b, v)), halves);
      }
    }
  }
}

}  // namespace cloister::engine::kernels::simd

#endif  // CLOISTER_X86
