// Weight matrices packed once, at load, into the blocked kernels' panel
// layout (gemm.h), so that no product unpacks them again. Only types whose
// packed form is about the file's size are packed (Q8_0 and Q6_K: the
// same; Q4_K: 2.8% more), and only when the active kernel path reads packed
// panels (AVX-512). The copy lives in
// anonymous memory (huge pages where the kernel gives them); the file pages
// the rows came from are given back, so resident memory stays about the size
// of the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/gguf/mapped_file.h"
#include "engine/tensor/matrix.h"

namespace cloister::engine {

class PackedWeights {
 public:
  PackedWeights() = default;
  PackedWeights(PackedWeights&& other) noexcept;
  PackedWeights& operator=(PackedWeights&& other) noexcept;
  PackedWeights(const PackedWeights&) = delete;
  PackedWeights& operator=(const PackedWeights&) = delete;
  ~PackedWeights();

  // Packs every matrix of `matrices` that the active kernels can pack and
  // points its `packed` at the copy; then releases the matrix's pages of
  // `mapping` (when it is not null). Packs nothing if the active path does
  // not pack, or if the memory cannot be had (the matrices then stay as
  // they were).
  static PackedWeights pack(std::span<Matrix* const> matrices, const MappedFile* mapping);

  // Returns the bytes of the packed copies (0 if nothing was packed).
  size_t bytes() const { return size_; }

 private:
  PackedWeights(uint8_t* data, size_t size) : data_(data), size_(size) {}

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace cloister::engine
