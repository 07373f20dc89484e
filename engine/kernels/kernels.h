// One entry point over the per-type kernels: dequantize a row, quantize a row,
// and take the dot product of a weight row with activations. As in ggml, rows
// of Q4_0/Q8_0 are multiplied with activations quantized to Q8_0, and K-quant
// rows with activations quantized to Q8_K; float rows use float activations.
//
// Callers pass rows whose byte size matches the element count for the type
// (the model loader checks every tensor's shape once); these functions do not
// re-validate on the hot path.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "engine/kernels/q8_0.h"
#include "engine/kernels/q8_k.h"
#include "engine/tensor/tensor_type.h"

namespace cloister::engine::kernels {

enum class ActivationFormat { kF32, kQ8_0, kQ8_K };

// Returns true if the engine can compute with tensors of `type`.
bool can_compute(TensorType type);

// Returns the activation format that rows of `type` are multiplied with.
ActivationFormat activation_format(TensorType type);

// Returns the alignment in bytes that row data of `type` must have.
size_t required_alignment(TensorType type);

// A vector of activations prepared in one format. Storage is reused, so
// preparing the same length again does not allocate.
class Activations {
 public:
  // Converts `x` into `format`; x.size() must be a multiple of the format's block size.
  void prepare(ActivationFormat format, std::span<const float> x);

  ActivationFormat format() const { return format_; }
  size_t size() const { return size_; }
  std::span<const float> f32() const { return {f32_.data(), size_}; }
  std::span<const BlockQ8_0> q8_0() const { return {q8_0_.data(), size_ / kQ8_0BlockElements}; }
  std::span<const BlockQ8_K> q8_k() const { return {q8_k_.data(), size_ / kQK_K}; }
  // Returns the prepared values in format(): floats, BlockQ8_0 or BlockQ8_K blocks.
  const void* data() const;

 private:
  ActivationFormat format_ = ActivationFormat::kF32;
  size_t size_ = 0;
  std::vector<float> f32_;
  std::vector<BlockQ8_0> q8_0_;
  std::vector<BlockQ8_K> q8_k_;
};

// Writes the out.size() values of one row of `type` (stored in `row`) to `out`.
void dequantize_row(TensorType type, ByteSpan row, std::span<float> out);

// Encodes `x` as one row of `type` into `out`, which has row_bytes(type, x.size()) bytes.
void quantize_row(TensorType type, std::span<const float> x, std::span<uint8_t> out);

// Returns the dot product of one row of `type` with `x`, which was prepared in
// activation_format(type) and has as many elements as the row.
float dot_row(TensorType type, ByteSpan row, const Activations& x);

}  // namespace cloister::engine::kernels
