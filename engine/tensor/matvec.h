// Matrix-vector products over weight matrices in any supported type, with the
// input vector prepared once per activation format it is needed in.
#pragma once

#include <array>
#include <span>

#include "engine/kernels/gemm.h"
#include "engine/kernels/kernels.h"
#include "engine/tensor/matrix.h"
#include "engine/tensor/thread_pool.h"

namespace cloister::engine {

// One input vector, lazily converted to each activation format that the
// matrices it is multiplied with need. Storage is reused between tokens.
class InputVector {
 public:
  // Makes `x` the current input; it must stay alive until the next set().
  void set(std::span<const float> x);
  // Returns the current input in `format`, converting it on first use.
  const kernels::Activations& as(kernels::ActivationFormat format);
  // Returns the current input in `format` (kQ8_0 or kQ8_K) split for the
  // blocked kernels, as a batch of one token.
  const kernels::SplitActivations& split(kernels::ActivationFormat format);

 private:
  std::span<const float> x_;
  std::array<kernels::Activations, 3> prepared_;
  std::array<bool, 3> ready_ = {};
  std::array<kernels::SplitActivationBuffer, 3> split_;
  std::array<bool, 3> split_ready_ = {};
};

// y = W x, where x is the current value of `input` (W.cols elements) and y
// has W.rows: row dot products, or the blocked kernels for a matrix packed at
// load.
void matvec(const Matrix& w, InputVector& input, std::span<float> y, ThreadPool* pool);

}  // namespace cloister::engine
