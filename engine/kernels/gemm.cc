#include "engine/kernels/gemm.h"

#include <cassert>
#include <cstring>

#include "engine/kernels/fp16.h"
#include "engine/kernels/q4_0.h"
#include "engine/kernels/q4_1.h"
#include "engine/kernels/q4_k.h"
#include "engine/kernels/q5_0.h"
#include "engine/kernels/q5_1.h"
#include "engine/kernels/q5_k.h"
#include "engine/kernels/q6_k.h"
#include "engine/kernels/q8_0.h"
#include "engine/kernels/q8_k.h"

namespace cloister::engine::kernels {
namespace {

template <typename Block>
const Block* blocks_of(const uint8_t* row) {
  return reinterpret_cast<const Block*>(row);  // alignment checked by the model loader
}

// Writes the blocks of one row into its lane of the panel.
class LaneWriter {
 public:
  LaneWriter(WeightPanel& panel, size_t row)
      : panel_(panel),
        lane_(row % kPanelLanes),
        q_(panel.vector_q(row / kPanelLanes)),
        scale_(panel.vector_scale(row / kPanelLanes)),
        min_(panel.has_min ? panel.vector_min(row / kPanelLanes) : nullptr) {}

  // Block b (of panel.block values) holds `values` with `scale` and `min`.
  void put(size_t b, const uint8_t* values, float scale, float min) const {
    const size_t first = b * panel_.block;
    for (size_t i = 0; i < panel_.block; ++i) {
      const size_t e = first + i;
      q_[(e / 4) * kPanelLanes * 4 + lane_ * 4 + e % 4] = values[i];
    }
    scale_[b * kPanelLanes + lane_] = scale;
    if (min_ != nullptr) min_[(first / 32) * kPanelLanes + lane_] = min;
  }

 private:
  WeightPanel& panel_;
  size_t lane_;
  uint8_t* q_;
  float* scale_;
  float* min_;
};

void unpack_row(TensorType type, const uint8_t* row, const LaneWriter& out, size_t cols) {
  uint8_t values[kQK_K];
  switch (type) {
    case TensorType::kQ8_0: {
      const auto* w = blocks_of<BlockQ8_0>(row);
      for (size_t b = 0; b < cols / 32; ++b) {
        for (size_t i = 0; i < 32; ++i) values[i] = static_cast<uint8_t>(w[b].qs[i] ^ 0x80);
        out.put(b, values, fp16_to_f32(w[b].d), 0.0f);
      }
      return;
    }
    case TensorType::kQ4_0:
    case TensorType::kQ4_1: {
      const bool has_min = type == TensorType::kQ4_1;
      for (size_t b = 0; b < cols / 32; ++b) {
        const uint8_t* qs =
            has_min ? blocks_of<BlockQ4_1>(row)[b].qs : blocks_of<BlockQ4_0>(row)[b].qs;
        for (size_t i = 0; i < 16; ++i) {
          values[i] = qs[i] & 0x0f;
          values[i + 16] = qs[i] >> 4;
        }
        if (has_min) {
          const BlockQ4_1& block = blocks_of<BlockQ4_1>(row)[b];
          out.put(b, values, fp16_to_f32(block.d), fp16_to_f32(block.m));
        } else {
          out.put(b, values, fp16_to_f32(blocks_of<BlockQ4_0>(row)[b].d), 0.0f);
        }
      }
      return;
    }
    case TensorType::kQ5_0: {
      const auto* w = blocks_of<BlockQ5_0>(row);
      for (size_t b = 0; b < cols / 32; ++b) {
        unpack_q5(w[b].qh, w[b].qs, values);
        out.put(b, values, fp16_to_f32(w[b].d), 0.0f);
      }
      return;
    }
    case TensorType::kQ5_1: {
      const auto* w = blocks_of<BlockQ5_1>(row);
      for (size_t b = 0; b < cols / 32; ++b) {
        unpack_q5(w[b].qh, w[b].qs, values);
        out.put(b, values, fp16_to_f32(w[b].d), fp16_to_f32(w[b].m));
      }
      return;
    }
    case TensorType::kQ4_K:
    case TensorType::kQ5_K: {
      for (size_t s = 0; s < cols / kQK_K; ++s) {
        const uint8_t* scales = nullptr;
        float d = 0;
        float dmin = 0;
        if (type == TensorType::kQ5_K) {
          const BlockQ5_K& block = blocks_of<BlockQ5_K>(row)[s];
          unpack_q5_k(block, values);
          scales = block.scales;
          d = fp16_to_f32(block.d);
          dmin = fp16_to_f32(block.dmin);
        } else {
          const BlockQ4_K& block = blocks_of<BlockQ4_K>(row)[s];
          unpack_q4_k(block, values);
          scales = block.scales;
          d = fp16_to_f32(block.d);
          dmin = fp16_to_f32(block.dmin);
        }
        for (int j = 0; j < 8; ++j) {
          uint8_t scale = 0;
          uint8_t min = 0;
          unpack_scale_min_k4(j, scales, &scale, &min);
          out.put(s * 8 + j, values + 32 * j, d * scale, -dmin * min);
        }
      }
      return;
    }
    case TensorType::kQ6_K: {
      int8_t signed_values[kQK_K];
      for (size_t s = 0; s < cols / kQK_K; ++s) {
        const BlockQ6_K& block = blocks_of<BlockQ6_K>(row)[s];
        unpack_q6_k(block, signed_values);
        for (size_t i = 0; i < kQK_K; ++i) values[i] = static_cast<uint8_t>(signed_values[i] + 32);
        const float d = fp16_to_f32(block.d);
        for (size_t j = 0; j < 16; ++j) {
          out.put(s * 16 + j, values + 16 * j, d * static_cast<float>(block.scales[j]), 0.0f);
        }
      }
      return;
    }
    default: assert(false && "unpack_panel: unsupported type");
  }
}

int32_t zero_point_of(TensorType type) {
  switch (type) {
    case TensorType::kQ8_0: return 128;
    case TensorType::kQ4_0: return 8;
    case TensorType::kQ5_0: return 16;
    case TensorType::kQ6_K: return 32;
    default: return 0;
  }
}

}  // namespace

WeightPanel GemmWorkspace::panel(size_t cols, size_t block, bool has_min, int32_t zero_point) {
  if (q_.size() < kPanelRows * cols) {
    q_.resize(kPanelRows * cols);
    scale_.resize(kPanelRows * (cols / 16));
    min_.resize(kPanelRows * (cols / 32));
  }
  WeightPanel panel;
  panel.cols = cols;
  panel.block = block;
  panel.has_min = has_min;
  panel.zero_point = zero_point;
  panel.q = q_.data();
  panel.scale = scale_.data();
  panel.min = min_.data();
  return panel;
}

bool gemm_type_supported(TensorType type) {
  switch (type) {
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

WeightPanel gemm_panel_for(TensorType type, size_t cols, GemmWorkspace& workspace) {
  const bool has_min = type == TensorType::kQ4_1 || type == TensorType::kQ5_1 ||
                       type == TensorType::kQ4_K || type == TensorType::kQ5_K;
  return workspace.panel(cols, type == TensorType::kQ6_K ? 16 : 32, has_min, zero_point_of(type));
}

bool packable(TensorType type) {
  return type == TensorType::kQ8_0 || type == TensorType::kQ4_K || type == TensorType::kQ6_K;
}

size_t packed_panel_bytes(TensorType type, size_t cols) {
  assert(packable(type));
  switch (type) {
    case TensorType::kQ4_K: return cols / kQK_K * kQ4KSuperBytes;
    case TensorType::kQ6_K: return cols / kQK_K * kQ6KSuperBytes;
    default: return cols / 32 * kPackedBlockBytes;
  }
}

WeightPanel packed_panel(TensorType type, const uint8_t* data, size_t rows, size_t cols) {
  assert(packable(type));
  WeightPanel panel;
  panel.rows = rows;
  panel.cols = cols;
  panel.block = type == TensorType::kQ6_K ? 16 : 32;
  panel.has_min = type == TensorType::kQ4_K;
  panel.zero_point = zero_point_of(type);
  // The kernels only read a packed panel; WeightPanel's pointers are mutable
  // because unpacking writes through them.
  panel.q = const_cast<uint8_t*>(data);
  return panel;
}

void unpack_panel(TensorType type, const uint8_t* weights, size_t row_stride, size_t rows,
                  WeightPanel& panel) {
  assert(rows <= kPanelRows);
  panel.rows = rows;
  const size_t lanes = panel.vectors() * kPanelLanes;
  for (size_t r = 0; r < rows; ++r) {
    unpack_row(type, weights + r * row_stride, LaneWriter(panel, r), panel.cols);
  }
  // Rows past the end contribute nothing: zero values and scales.
  const uint8_t zeros[32] = {};
  for (size_t r = rows; r < lanes; ++r) {
    const LaneWriter out(panel, r);
    for (size_t b = 0; b < panel.cols / panel.block; ++b) out.put(b, zeros, 0.0f, 0.0f);
  }
}

void SplitActivationBuffer::resize(size_t tokens, size_t cols) {
  assert(cols % 32 == 0);
  if (q_.size() < tokens * cols) {
    q_.resize(tokens * cols);
    scale_.resize(tokens * cols / 32);
    sum16_.resize(tokens * cols / 16);
    scaled_sum_.resize(tokens * cols / 32);
    pair_sums_.resize(tokens * cols / 64);
  }
  view_ = {
      cols, tokens, q_.data(), scale_.data(), sum16_.data(), scaled_sum_.data(), pair_sums_.data()};
}

void SplitActivationBuffer::fill_range_q8_0(const uint8_t* rows, size_t row_bytes, size_t begin,
                                            size_t end) {
  const size_t cols = view_.cols;
  for (size_t t = begin; t < end; ++t) {
    const auto* x = reinterpret_cast<const BlockQ8_0*>(rows + t * row_bytes);
    for (size_t b = 0; b < cols / 32; ++b) {
      std::memcpy(&q_[t * cols + b * 32], x[b].qs, 32);
      // Two loops of 16 (rather than one indexing the sums) vectorize.
      int32_t sums[2] = {0, 0};
      for (size_t i = 0; i < 16; ++i) sums[0] += x[b].qs[i];
      for (size_t i = 16; i < 32; ++i) sums[1] += x[b].qs[i];
      const float d = fp16_to_f32(x[b].d);
      sum16_[t * cols / 16 + 2 * b] = sums[0];
      sum16_[t * cols / 16 + 2 * b + 1] = sums[1];
      scale_[t * cols / 32 + b] = d;
      scaled_sum_[t * cols / 32 + b] = d * static_cast<float>(sums[0] + sums[1]);
    }
  }
}

void SplitActivationBuffer::fill_range_q8_k(const uint8_t* rows, size_t row_bytes, size_t begin,
                                            size_t end) {
  const size_t cols = view_.cols;
  for (size_t t = begin; t < end; ++t) {
    const auto* x = reinterpret_cast<const BlockQ8_K*>(rows + t * row_bytes);
    for (size_t s = 0; s < cols / kQK_K; ++s) {
      std::memcpy(&q_[t * cols + s * kQK_K], x[s].qs, kQK_K);
      for (size_t g = 0; g < 16; ++g) sum16_[t * cols / 16 + s * 16 + g] = x[s].bsums[g];
      for (size_t j = 0; j < 8; ++j) {
        const int32_t sum = x[s].bsums[2 * j] + x[s].bsums[2 * j + 1];
        scale_[t * cols / 32 + s * 8 + j] = x[s].d;
        scaled_sum_[t * cols / 32 + s * 8 + j] = x[s].d * static_cast<float>(sum);
        // The pair's second sum goes to the high half; the first keeps its
        // low 16 bits (two's complement), as VPDPWSSD reads them.
        if (j % 2 == 1) {
          const int32_t first = x[s].bsums[2 * j - 2] + x[s].bsums[2 * j - 1];
          pair_sums_[t * cols / 64 + s * 4 + j / 2] = static_cast<int32_t>(
              static_cast<uint32_t>(first & 0xffff) | (static_cast<uint32_t>(sum) << 16));
        }
      }
    }
  }
}

}  // namespace cloister::engine::kernels
