#include "engine/tensor/matvec.h"

#include <cassert>

#include "engine/kernels/dispatch.h"
#include "engine/tensor/matmul.h"

namespace cloister::engine {

void InputVector::set(std::span<const float> x) {
  x_ = x;
  ready_ = {};
  split_ready_ = {};
}

const kernels::Activations& InputVector::as(kernels::ActivationFormat format) {
  const auto index = static_cast<size_t>(format);
  if (!ready_[index]) {
    prepared_[index].prepare(format, x_);
    ready_[index] = true;
  }
  return prepared_[index];
}

const kernels::SplitActivations& InputVector::split(kernels::ActivationFormat format) {
  assert(format != kernels::ActivationFormat::kF32);
  const auto index = static_cast<size_t>(format);
  kernels::SplitActivationBuffer& buffer = split_[index];
  if (!split_ready_[index]) {
    const kernels::Activations& x = as(format);
    buffer.resize(1, x.size());
    const auto* rows = static_cast<const uint8_t*>(x.data());
    if (format == kernels::ActivationFormat::kQ8_0) {
      buffer.fill_range_q8_0(rows, 0, 0, 1);
    } else {
      buffer.fill_range_q8_k(rows, 0, 0, 1);
    }
    split_ready_[index] = true;
  }
  return buffer.view();
}

void matvec(const Matrix& w, InputVector& input, std::span<float> y, ThreadPool* pool) {
  assert(y.size() == w.rows);
  const kernels::ActivationFormat format = kernels::activation_format(w.type);
  if (reads_packed(w, kernels::active_kernels())) {
    blocked_matmul(w, input.split(format), y.data(), w.rows, pool);
    return;
  }
  const kernels::Activations& x = input.as(format);
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
