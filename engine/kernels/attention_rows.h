// The operands of the attention kernels (KernelTable::dot_rows_f16 and
// weighted_rows_f16): queries or weights as rows of floats, and the rows of
// one KV head in a cache of IEEE halves.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cloister::engine::kernels {

// `count` rows of floats, row j at data + j * stride.
struct Rows {
  const float* data = nullptr;
  size_t stride = 0;
  size_t count = 0;
};

// Cached keys or values of one KV head: `dim` halves a row, row i at
// data + i * stride.
struct CachedRows {
  const uint16_t* data = nullptr;
  size_t stride = 0;
  size_t dim = 0;
};

}  // namespace cloister::engine::kernels
