#include "engine/kernels/kernels.h"

#include <cassert>

#include "engine/kernels/bf16.h"
#include "engine/kernels/dispatch.h"
#include "engine/kernels/f16.h"
#include "engine/kernels/f32.h"
#include "engine/kernels/q4_0.h"
#include "engine/kernels/q4_1.h"
#include "engine/kernels/q4_k.h"
#include "engine/kernels/q5_0.h"
#include "engine/kernels/q5_1.h"
#include "engine/kernels/q5_k.h"
#include "engine/kernels/q6_k.h"

namespace cloister::engine::kernels {
namespace {

// Views `bytes` as an array of T. The model loader has checked alignment and
// size, so the cast cannot produce a misaligned or partial element.
template <typename T>
std::span<const T> view_as(ByteSpan bytes) {
  assert(reinterpret_cast<uintptr_t>(bytes.data()) % alignof(T) == 0);
  assert(bytes.size() % sizeof(T) == 0);
  return {reinterpret_cast<const T*>(bytes.data()), bytes.size() / sizeof(T)};
}

template <typename T>
std::span<T> view_as_mutable(std::span<uint8_t> bytes) {
  assert(reinterpret_cast<uintptr_t>(bytes.data()) % alignof(T) == 0);
  assert(bytes.size() % sizeof(T) == 0);
  return {reinterpret_cast<T*>(bytes.data()), bytes.size() / sizeof(T)};
}

}  // namespace

bool can_compute(TensorType type) {
  switch (type) {
    case TensorType::kF32:
    case TensorType::kF16:
    case TensorType::kBF16:
    case TensorType::kQ8_0:
    case TensorType::kQ4_0:
    case TensorType::kQ4_1:
    case TensorType::kQ5_0:
    case TensorType::kQ5_1:
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
    case TensorType::kQ6_K: return true;
    default: return false;
  }
}

ActivationFormat activation_format(TensorType type) {
  switch (type) {
    case TensorType::kQ8_0:
    case TensorType::kQ4_0:
    case TensorType::kQ4_1:
    case TensorType::kQ5_0:
    case TensorType::kQ5_1: return ActivationFormat::kQ8_0;
    case TensorType::kQ4_K:
    case TensorType::kQ5_K:
    case TensorType::kQ6_K: return ActivationFormat::kQ8_K;
    default: return ActivationFormat::kF32;
  }
}

size_t required_alignment(TensorType type) {
  switch (type) {
    case TensorType::kF32: return alignof(float);
    default: return alignof(uint16_t);  // every other block starts with or holds a half
  }
}

void Activations::prepare(ActivationFormat format, std::span<const float> x) {
  format_ = format;
  size_ = x.size();
  switch (format) {
    case ActivationFormat::kF32: f32_.assign(x.begin(), x.end()); break;
    case ActivationFormat::kQ8_0:
      assert(x.size() % kQ8_0BlockElements == 0);
      q8_0_.resize(x.size() / kQ8_0BlockElements);
      active_kernels().quantize_q8_0(x.data(), x.size(), q8_0_.data());
      break;
    case ActivationFormat::kQ8_K:
      assert(x.size() % kQK_K == 0);
      q8_k_.resize(x.size() / kQK_K);
      active_kernels().quantize_q8_k(x.data(), x.size(), q8_k_.data());
      break;
  }
}

const void* Activations::data() const {
  switch (format_) {
    case ActivationFormat::kF32: return f32_.data();
    case ActivationFormat::kQ8_0: return q8_0_.data();
    case ActivationFormat::kQ8_K: return q8_k_.data();
  }
  return nullptr;
}

void dequantize_row(TensorType type, ByteSpan row, std::span<float> out) {
  switch (type) {
    case TensorType::kF32: {
      std::span<const float> src = view_as<float>(row);
      std::copy(src.begin(), src.end(), out.begin());
      return;
    }
    case TensorType::kF16: return dequantize_row_f16(view_as<uint16_t>(row), out);
    case TensorType::kBF16: return dequantize_row_bf16(view_as<uint16_t>(row), out);
    case TensorType::kQ8_0: return dequantize_row_q8_0(view_as<BlockQ8_0>(row), out);
    case TensorType::kQ4_0: return dequantize_row_q4_0(view_as<BlockQ4_0>(row), out);
    case TensorType::kQ4_1: return dequantize_row_q4_1(view_as<BlockQ4_1>(row), out);
    case TensorType::kQ5_0: return dequantize_row_q5_0(view_as<BlockQ5_0>(row), out);
    case TensorType::kQ5_1: return dequantize_row_q5_1(view_as<BlockQ5_1>(row), out);
    case TensorType::kQ4_K: return dequantize_row_q4_k(view_as<BlockQ4_K>(row), out);
    case TensorType::kQ5_K: return dequantize_row_q5_k(view_as<BlockQ5_K>(row), out);
    case TensorType::kQ6_K: return dequantize_row_q6_k(view_as<BlockQ6_K>(row), out);
    default: assert(false && "dequantize_row: unsupported type");
  }
}

void quantize_row(TensorType type, std::span<const float> x, std::span<uint8_t> out) {
  switch (type) {
    case TensorType::kF32: {
      std::span<float> dst = view_as_mutable<float>(out);
      std::copy(x.begin(), x.end(), dst.begin());
      return;
    }
    case TensorType::kF16: return quantize_row_f16(x, view_as_mutable<uint16_t>(out));
    case TensorType::kBF16: return quantize_row_bf16(x, view_as_mutable<uint16_t>(out));
    case TensorType::kQ8_0: return quantize_row_q8_0(x, view_as_mutable<BlockQ8_0>(out));
    case TensorType::kQ4_0: return quantize_row_q4_0(x, view_as_mutable<BlockQ4_0>(out));
    case TensorType::kQ4_1: return quantize_row_q4_1(x, view_as_mutable<BlockQ4_1>(out));
    case TensorType::kQ5_0: return quantize_row_q5_0(x, view_as_mutable<BlockQ5_0>(out));
    case TensorType::kQ5_1: return quantize_row_q5_1(x, view_as_mutable<BlockQ5_1>(out));
    case TensorType::kQ4_K: return quantize_row_q4_k(x, view_as_mutable<BlockQ4_K>(out));
    case TensorType::kQ5_K: return quantize_row_q5_k(x, view_as_mutable<BlockQ5_K>(out));
    case TensorType::kQ6_K: return quantize_row_q6_k(x, view_as_mutable<BlockQ6_K>(out));
    default: assert(false && "quantize_row: unsupported type");
  }
}

float dot_row(TensorType type, ByteSpan row, const Activations& x) {
  assert(x.format() == activation_format(type));
  const DotFn dot = active_kernels().dot_for(type);
  assert(dot != nullptr && "dot_row: unsupported type");
  return dot(row.data(), x.data(), x.size());
}

}  // namespace cloister::engine::kernels
