// A 2-D weight matrix viewed in place (in the model's memory mapping), and
// possibly packed for the blocked kernels (packed_weights.h).
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "engine/tensor/tensor_type.h"

namespace cloister::engine {

// `rows` rows of `cols` elements each, stored row after row in `type`
// (GGUF dims [cols, rows]).
struct Matrix {
  std::string name;
  TensorType type = TensorType::kF32;
  uint64_t rows = 0;
  uint64_t cols = 0;
  uint64_t row_stride = 0;  // bytes per row
  ByteSpan data;
  // The rows packed into panels (gemm.h), or null. The kernels that read
  // them are used whenever the active path can; `data` stays valid for the
  // others.
  const uint8_t* packed = nullptr;

  // Returns the bytes of row `r` (< rows).
  ByteSpan row(uint64_t r) const { return data.subspan(r * row_stride, row_stride); }
};

}  // namespace cloister::engine
