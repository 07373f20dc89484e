// Matrix-vector products over weight matrices in any supported type, with the
// input vector prepared once per activation format it is needed in.
#pragma once

#include <array>
#include <span>

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

 private:
  std::span<const float> x_;
  std::array<kernels::Activations, 3> prepared_;
  std::array<bool, 3> ready_ = {};
};

// y = W x, where x is the current value of `input` (W.cols elements) and y has W.rows.
void matvec(const Matrix& w, InputVector& input, std::span<float> y, ThreadPool* pool);

}  // namespace cloister::engine
