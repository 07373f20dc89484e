#include "engine/tensor/matvec.h"

#include <cassert>

namespace cloister::engine {

void InputVector::set(std::span<const float> x) {
  x_ = x;
  ready_ = {};
}

const kernels::Activations& InputVector::as(kernels::ActivationFormat format) {
  const auto index = static_cast<size_t>(format);
  if (!ready_[index]) {
    prepared_[index].prepare(format, x_);
    ready_[index] = true;
  }
  return prepared_[index];
}

void matvec(const Matrix& w, InputVector& input, std::span<float> y, ThreadPool* pool) {
  assert(y.size() == w.rows);
  const kernels::Activations& x = input.as(kernels::activation_format(w.type));
  assert(x.size() == w.cols);
  auto rows = [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) y[r] = kernels::dot_row(w.type, w.row(r), x);
  };
  if (pool != nullptr) {
    pool->parallel_for(w.rows, rows);
  } else {
    rows(0, w.rows);
  }
}

}  // namespace cloister::engine
