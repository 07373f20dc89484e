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

void BatchInput::quantize_rows(ActivationFormat format, size_t begin, size_t end) {
  const kernels::KernelTable& table = kernels::active_kernels();
  const size_t bytes = row_bytes(format);
  uint8_t* rows = quantized_[format_index(format)].data();
  for (size_t t = begin; t < end; ++t) {
    uint8_t* out = rows + t * bytes;
    if (format == ActivationFormat::kQ8_0) {
      table.quantize_q8_0(x_ + t * cols_, cols_, reinterpret_cast<kernels::BlockQ8_0*>(out));
    } else {
      table.quantize_q8_k(x_ + t * cols_, cols_, reinterpret_cast<kernels::BlockQ8_K*>(out));
    }
  }
}

void BatchInput::reserve_rows(ActivationFormat format) {
  std::vector<uint8_t>& buffer = quantized_[format_index(format)];
  if (buffer.size() < tokens_ * row_bytes(format)) buffer.resize(tokens_ * row_bytes(format));
}

const uint8_t* BatchInput::rows(ActivationFormat format, ThreadPool* pool) {
  if (format == ActivationFormat::kF32) return reinterpret_cast<const uint8_t*>(x_);
  const size_t index = format_index(format);
  if (!ready_[index]) {
    reserve_rows(format);
    auto quantize = [&](size_t begin, size_t end) { quantize_rows(format, begin, end); };
    run_parallel(tokens_, quantize, pool);
    ready_[index] = true;
  }
  return quantized_[index].data();
}

const kernels::SplitActivations& BatchInput::split(ActivationFormat format, ThreadPool* pool) {
  assert(format != ActivationFormat::kF32);
  const size_t index = format_index(format);
  kernels::SplitActivationBuffer& buffer = split_[index];
  if (!split_ready_[index]) {
    // One loop of the pool: each thread quantizes its tokens (unless rows()
    // already has) and splits them while they are in its cache.
    const bool quantized = ready_[index];
    if (!quantized) reserve_rows(format);
    const uint8_t* rows = quantized_[index].data();
    const size_t bytes = row_bytes(format);
    buffer.resize(tokens_, cols_);
    auto fill = [&](size_t begin, size_t end) {
      if (!quantized) quantize_rows(format, begin, end);
      if (format == ActivationFormat::kQ8_0) {
        buffer.fill_range_q8_0(rows, bytes, begin, end);
      } else {
        buffer.fill_range_q8_k(rows, bytes, begin, end);
      }
    };
    run_parallel(tokens_, fill, pool);
    ready_[index] = true;
    split_ready_[index] = true;
  }
  return buffer.view();
}

bool reads_packed(const Matrix& w, const kernels::KernelTable& table) {
  return w.packed != nullptr && table.pack_panels != nullptr;
}

namespace {

// Panels of blocked products, and rows of dot products, are handed out in
// units of this many rows.
constexpr size_t kUnitRows = kernels::kPanelRows;

size_t units(const Matrix& w) { return (w.rows + kUnitRows - 1) / kUnitRows; }

// Panels [begin, end) of w times every token of x (blocked kernels).
void blocked_range(const Matrix& w, const kernels::SplitActivations& x, float* y, size_t y_stride,
                   size_t begin, size_t end) {
  const kernels::KernelTable& table = kernels::active_kernels();
  const size_t first = begin * kUnitRows;
  const size_t last = std::min<size_t>(end * kUnitRows, w.rows);
  kernels::GemmArgs args;
  args.type = w.type;
  if (reads_packed(w, table)) {
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
}

// One target of matmul_all, with its input in the format it needs.
struct Product {
  const MatmulTarget* target = nullptr;
  const kernels::SplitActivations* split = nullptr;  // set: blocked kernels
  const uint8_t* rows = nullptr;                     // otherwise: row dot products
  size_t row_bytes = 0;
  size_t first_unit = 0;  // in the loop over every product's units
};

// Units [begin, end) of `product` (relative to its first unit).
void run_units(const Product& product, size_t tokens, size_t begin, size_t end) {
  const Matrix& w = *product.target->w;
  float* y = product.target->y;
  const size_t y_stride = product.target->y_stride;
  if (product.split != nullptr) return blocked_range(w, *product.split, y, y_stride, begin, end);
  const kernels::DotFn dot = kernels::active_kernels().dot_for(w.type);
  const size_t last = std::min<size_t>(end * kUnitRows, w.rows);
  for (size_t r = begin * kUnitRows; r < last; ++r) {
    const uint8_t* row = w.data.data() + r * w.row_stride;
    for (size_t t = 0; t < tokens; ++t) {
      y[t * y_stride + r] = dot(row, product.rows + t * product.row_bytes, w.cols);
    }
  }
}

}  // namespace

void blocked_matmul(const Matrix& w, const kernels::SplitActivations& x, float* y, size_t y_stride,
                    ThreadPool* pool) {
  // Whole panels per thread, so that no panel is unpacked twice.
  auto body = [&](size_t begin, size_t end) { blocked_range(w, x, y, y_stride, begin, end); };
  run_parallel(units(w), body, pool);
}

void matmul_all(std::span<const MatmulTarget> targets, BatchInput& input, ThreadPool* pool) {
  constexpr size_t kMostTargets = 4;
  if (targets.size() > kMostTargets) {
    matmul_all(targets.first(kMostTargets), input, pool);
    return matmul_all(targets.subspan(kMostTargets), input, pool);
  }
  const kernels::KernelTable& table = kernels::active_kernels();
  const size_t tokens = input.tokens();
  std::array<Product, kMostTargets> products;
  size_t total = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    const Matrix& w = *targets[i].w;
    assert(input.cols() == w.cols);
    const ActivationFormat format = kernels::activation_format(w.type);
    Product& product = products[i];
    product.target = &targets[i];
    if (reads_packed(w, table) ||
        (table.gemm != nullptr && table.gemm_supports(w.type) && tokens >= kMinGemmTokens)) {
      product.split = &input.split(format, pool);
    } else {
      product.rows = input.rows(format, pool);
      product.row_bytes = input.row_bytes(format);
    }
    product.first_unit = total;
    total += units(w);
  }
  const std::span<const Product> all(products.data(), targets.size());
  auto body = [&](size_t begin, size_t end) {
    for (const Product& product : all) {
      const size_t first = product.first_unit;
      const size_t last = first + units(*product.target->w);
      if (end <= first || begin >= last) continue;
      run_units(product, tokens, std::max(begin, first) - first, std::min(end, last) - first);
    }
  };
  run_parallel(total, body, pool);
}

void matmul(const Matrix& w, BatchInput& input, float* y, size_t y_stride, ThreadPool* pool) {
  const MatmulTarget target{&w, y, y_stride};
  matmul_all(std::span(&target, 1), input, pool);
}

}  // namespace cloister::engine
