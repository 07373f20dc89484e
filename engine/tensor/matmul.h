// Matrix products of a weight matrix with a batch of tokens' activations:
// the prompt of one sequence (prefill) or one token of each of several
// sequences (batched decode). Each weight row is read from memory once per
// batch, not once per token.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/kernels/dispatch.h"
#include "engine/kernels/gemm.h"
#include "engine/kernels/kernels.h"
#include "engine/tensor/matrix.h"
#include "engine/tensor/thread_pool.h"

namespace cloister::engine {

// A batch of input rows, converted on first use to each activation format the
// matrices it is multiplied with need. Storage is reused between batches.
class BatchInput {
 public:
  // Makes `tokens` rows of `cols` floats starting at `x` (row after row) the
  // current input; `x` must stay alive until the next set().
  void set(const float* x, size_t tokens, size_t cols);

  size_t tokens() const { return tokens_; }
  size_t cols() const { return cols_; }

  // Returns the rows in `format`, one after another, row_bytes(format) apart,
  // quantizing them (in parallel over tokens) on first use.
  const uint8_t* rows(kernels::ActivationFormat format, ThreadPool* pool);

  // Returns the bytes of one row in `format`.
  size_t row_bytes(kernels::ActivationFormat format) const;

  // Returns the rows in `format` (kQ8_0 or kQ8_K) split for the blocked kernels.
  const kernels::SplitActivations& split(kernels::ActivationFormat format, ThreadPool* pool);

 private:
  // Makes room for every token's row in `format`.
  void reserve_rows(kernels::ActivationFormat format);
  // Quantizes tokens [begin, end) into their rows in `format` (room reserved).
  void quantize_rows(kernels::ActivationFormat format, size_t begin, size_t end);

  const float* x_ = nullptr;
  size_t tokens_ = 0;
  size_t cols_ = 0;
  std::array<std::vector<uint8_t>, 3> quantized_;
  std::array<bool, 3> ready_ = {};
  std::array<kernels::SplitActivationBuffer, 3> split_;
  std::array<bool, 3> split_ready_ = {};
};

// y[t * y_stride + r] = (W x_t)[r] for every token t of `input` (W.cols
// values each) and every row r of W. The result does not depend on the
// thread count; a single token takes row dot products and a batch the blocked
// kernels, which sum in another order (a difference of float rounding). A
// matrix packed at load always takes the blocked kernels.
void matmul(const Matrix& w, BatchInput& input, float* y, size_t y_stride, ThreadPool* pool);

// One product of a group that shares its input (matmul_all).
struct MatmulTarget {
  const Matrix* w = nullptr;
  float* y = nullptr;
  size_t y_stride = 0;
};

// matmul for every target, as one loop of the thread pool rather than one per
// matrix: the query, key and value projections (or the gate and up ones) take
// the same input, and the hand-offs between the pool's short loops cost a
// decode step time. Each result is the same as matmul's.
void matmul_all(std::span<const MatmulTarget> targets, BatchInput& input, ThreadPool* pool);

// Returns true if the active kernels multiply `w` from its packed panels.
bool reads_packed(const Matrix& w, const kernels::KernelTable& table);

// The blocked part of matmul: y for every token of `x`, which is in w's
// activation format, with the active path's blocked kernels (which must take
// w's type).
void blocked_matmul(const Matrix& w, const kernels::SplitActivations& x, float* y, size_t y_stride,
                    ThreadPool* pool);

}  // namespace cloister::engine
