#include "engine/tensor/matmul.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "engine/kernels/dispatch.h"

namespace cloister::engine {
namespace {

using kernels::ActivationFormat;

// Below this many tokens, the blocked kernels' unpacking of each weight panel
// costs more than it saves: row-by-row dot products (each row read once, then
// reused from L1 for every token) are faster.
constexpr size_t kMinGemmTokens = 2;

size_t format_index(ActivationFormat format) { return static_cast<size_t>(format); }

// The blocked kernels unpack a panel of weight rows per call; each thread
// keeps its own buffers, which grow once to the widest matrix and are then
// reused, so no product allocates after the first.
kernels::GemmWorkspace& thread_workspace() {
  thread_local kernels::GemmWorkspace workspace;
  return workspace;
}

void run_parallel(size_t n, RangeFunction body, ThreadPool* pool) {
  if (pool != nullptr) {
    pool->parallel_for(n, body);
  } else if (n > 0) {
    body(0, n);
  }
}

}  // namespace

void BatchInput::set(const float* x, size_t tokens, size_t cols) {
  x_ = x;
  tokens_ = tokens;
  cols_ = cols;
  ready_ = {};
  split_ready_ = {};
}

size_t BatchInput::row_bytes(ActivationFormat format) const {
  switch (format) {
    case ActivationFormat::kF32: return cols_ * sizeof(float);
    case ActivationFormat::kQ8_0:
      return cols_ / kernels::kQ8_0BlockElements * sizeof(kernels::BlockQ8_0);
    case ActivationFormat::kQ8_K: return cols_ / kernels::kQK_K * sizeof(kernels::BlockQ8_K);
  }
  return 0;
}

const uint8_t* BatchInput::rows(ActivationFormat format, ThreadPool* pool) {
  if (format == ActivationFormat::kF32) return reinterpret_cast<const uint8_t*>(x_);
  const size_t index = format_index(format);
  std::vector<uint8_t>& buffer = quantized_[index];
  if (!ready_[index]) {
    const size_t bytes = row_bytes(format);
    if (buffer.size() < tokens_ * bytes) buffer.resize(tokens_ * bytes);
    const kernels::KernelTable& table = kernels::active_kernels();
    auto quantize = [&](size_t begin, size_t end) {
      for (size_t t = begin; t < end; ++t) {
        uint8_t* out = buffer.data() + t * bytes;
        if (format == ActivationFormat::kQ8_0) {
          table.quantize_q8_0(x_ + t * cols_, cols_, reinterpret_cast<kernels::BlockQ8_0*>(out));
        } else {
          table.quantize_q8_k(x_ + t * cols_, cols_, reinterpret_cast<kernels::BlockQ8_K*>(out));
        }
      }
    };
    run_parallel(tokens_, quantize, pool);
    ready_[index] = true;
  }
  return buffer.data();
}

const kernels::SplitActivations& BatchInput::split(ActivationFormat format, ThreadPool* pool) {
  assert(format != ActivationFormat::kF32);
  const size_t index = format_index(format);
  kernels::SplitActivationBuffer& buffer = split_[index];
  if (!split_ready_[index]) {
    const uint8_t* quantized = rows(format, pool);
    const size_t bytes = row_bytes(format);
    buffer.resize(tokens_, cols_);
    auto fill = [&](size_t begin, size_t end) {
      if (format == ActivationFormat::kQ8_0) {
        buffer.fill_range_q8_0(quantized, bytes, begin, end);
      } else {
        buffer.fill_range_q8_k(quantized, bytes, begin, end);
      }
    };
    run_parallel(tokens_, fill, pool);
    split_ready_[index] = true;
  }
  return buffer.view();
}

bool reads_packed(const Matrix& w, const kernels::KernelTable& table) {
  return w.packed != nullptr && table.pack_panels != nullptr;
}

void blocked_matmul(const Matrix& w, const kernels::SplitActivations& x, float* y, size_t y_stride,
                    ThreadPool* pool) {
  const kernels::KernelTable& table = kernels::active_kernels();
  const bool packed = reads_packed(w, table);
  // Whole panels per thread, so that no panel is unpacked twice.
  const size_t panels = (w.rows + kernels::kPanelRows - 1) / kernels::kPanelRows;
  auto body = [&](size_t begin, size_t end) {
    const size_t first = begin * kernels::kPanelRows;
    const size_t last = std::min<size_t>(end * kernels::kPanelRows, w.rows);
    kernels::GemmArgs args;
    args.type = w.type;
    if (packed) {
      args.packed = w.packed + begin * kernels::packed_panel_bytes(w.type, w.cols);
    } else {
      args.weights = w.data.data() + first * w.row_stride;
    }
    args.row_stride = w.row_stride;
    args.rows = last - first;
    args.x = &x;
    args.y = y + first;
    args.y_stride = y_stride;
    args.workspace = &thread_workspace();
    table.gemm(args);
  };
  run_parallel(panels, body, pool);
}

void matmul(const Matrix& w, BatchInput& input, float* y, size_t y_stride, ThreadPool* pool) {
  assert(input.cols() == w.cols);
  const kernels::KernelTable& table = kernels::active_kernels();
  const ActivationFormat format = kernels::activation_format(w.type);
  const size_t tokens = input.tokens();
  if (reads_packed(w, table) ||
      (table.gemm != nullptr && table.gemm_supports(w.type) && tokens >= kMinGemmTokens)) {
    blocked_matmul(w, input.split(format, pool), y, y_stride, pool);
    return;
  }
  const uint8_t* x = input.rows(format, pool);
  const size_t x_bytes = input.row_bytes(format);
  const kernels::DotFn dot = table.dot_for(w.type);
  auto body = [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const uint8_t* row = w.data.data() + r * w.row_stride;
      for (size_t t = 0; t < tokens; ++t) y[t * y_stride + r] = dot(row, x + t * x_bytes, w.cols);
    }
  };
  run_parallel(w.rows, body, pool);
}

}  // namespace cloister::engine
