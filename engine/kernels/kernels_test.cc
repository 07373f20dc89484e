// Each tensor type's kernels against an independent reading of ggml's block
// layouts (ggml-common.h, dequantize_row_* in ggml-quants.c), written here
// per element from the raw bytes rather than per block from the structs.
#include "engine/kernels/kernels.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "engine/kernels/fp16.h"
#include "engine/kernels/k_scales.h"

namespace cloister::engine::kernels {
namespace {

uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
double half(const uint8_t* p) { return fp16_to_f32(le16(p)); }

// The value of element `e` of a row of `type` stored in `row`.
double reference_value(TensorType type, const std::vector<uint8_t>& row, size_t e) {
  const uint8_t* bytes = row.data();
  switch (type) {
    case TensorType::kF32: {
      uint32_t bits = 0;
      for (int i = 0; i < 4; ++i) bits |= static_cast<uint32_t>(bytes[4 * e + i]) << (8 * i);
      return std::bit_cast<float>(bits);
    }
    case TensorType::kF16: return half(bytes + 2 * e);
    case TensorType::kBF16: return bf16_to_f32(le16(bytes + 2 * e));
    case TensorType::kQ8_0: {
      const uint8_t* block = bytes + 34 * (e / 32);
      return half(block) * static_cast<int8_t>(block[2 + e % 32]);
    }
    case TensorType::kQ4_0: {
      const uint8_t* block = bytes + 18 * (e / 32);
      const size_t i = e % 32;
      const int nibble = (block[2 + i % 16] >> (4 * (i / 16))) & 15;
      return half(block) * (nibble - 8);
    }
    case TensorType::kQ4_1: {
      const uint8_t* block = bytes + 20 * (e / 32);
      const size_t i = e % 32;
      return half(block) * ((block[4 + i % 16] >> (4 * (i / 16))) & 15) + half(block + 2);
    }
    case TensorType::kQ5_0:
    case TensorType::kQ5_1: {
      const bool has_min = type == TensorType::kQ5_1;
      const uint8_t* block = bytes + (has_min ? 24 : 22) * (e / 32);
      const uint8_t* qh = block + (has_min ? 4 : 2);
      const size_t i = e % 32;
      const int low = (qh[4 + i % 16] >> (4 * (i / 16))) & 15;
      const int high = (qh[i / 8] >> (i % 8)) & 1;
      const int q = low | (high << 4);
      return has_min ? half(block) * q + half(block + 2) : half(block) * (q - 16);
    }
    case TensorType::kQ4_K:
    case TensorType::kQ5_K: {
      const bool five = type == TensorType::kQ5_K;
      const uint8_t* block = bytes + (five ? 176 : 144) * (e / 256);
      const size_t i = e % 256;
      const size_t j = i / 32;  // sub-block
      const uint8_t* sc = block + 4;
      int scale = 0;
      int min = 0;
      if (j < 4) {
        scale = sc[j] & 63;
        min = sc[j + 4] & 63;
      } else {
        scale = (sc[j + 4] & 15) | ((sc[j - 4] >> 6) << 4);
        min = (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4);
      }
      const uint8_t* qs = block + 16 + (five ? 32 : 0);
      int q = (qs[(i / 64) * 32 + i % 32] >> (4 * ((i / 32) % 2))) & 15;
      if (five) q += ((block[16 + i % 32] >> j) & 1) * 16;
      return half(block) * scale * q - half(block + 2) * min;
    }
    case TensorType::kQ6_K: {
      const uint8_t* block = bytes + 210 * (e / 256);
      const size_t i = e % 256;
      const size_t h = i / 128;
      const size_t k = (i % 128) / 32;
      const size_t l = i % 32;
      const int low = (block[h * 64 + l + 32 * (k % 2)] >> (4 * (k / 2))) & 15;
      const int high = (block[128 + h * 32 + l] >> (2 * k)) & 3;
      const int scale = static_cast<int8_t>(block[192 + i / 16]);
      return half(block + 208) * scale * ((low | (high << 4)) - 32);
    }
    default: return NAN;
  }
}

constexpr TensorType kAllTypes[] = {TensorType::kF32,  TensorType::kF16,  TensorType::kBF16,
                                    TensorType::kQ8_0, TensorType::kQ4_0, TensorType::kQ4_1,
                                    TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ4_K,
                                    TensorType::kQ5_K, TensorType::kQ6_K};

class KernelTest : public ::testing::TestWithParam<TensorType> {
 protected:
  // Random row bytes whose half-precision scales are small and finite.
  std::vector<uint8_t> random_row(size_t elements) {
    TensorType type = GetParam();
    std::vector<uint8_t> row(*row_bytes(type, elements));
    for (auto& b : row) b = static_cast<uint8_t>(rng_());
    auto set_half = [&](size_t offset) {
      uint16_t h = f32_to_fp16(std::uniform_real_distribution<float>(-0.05f, 0.05f)(rng_));
      row[offset] = static_cast<uint8_t>(h);
      row[offset + 1] = static_cast<uint8_t>(h >> 8);
    };
    const size_t block = traits_of(type).block_bytes;
    for (size_t start = 0; start < row.size(); start += block) {
      switch (type) {
        case TensorType::kF32: {
          float v = std::uniform_real_distribution<float>(-2, 2)(rng_);
          std::memcpy(&row[start], &v, 4);
          break;
        }
        case TensorType::kF16: set_half(start); break;
        case TensorType::kBF16: {
          uint16_t h = f32_to_bf16(std::uniform_real_distribution<float>(-2, 2)(rng_));
          row[start] = static_cast<uint8_t>(h);
          row[start + 1] = static_cast<uint8_t>(h >> 8);
          break;
        }
        case TensorType::kQ8_0:
        case TensorType::kQ4_0:
        case TensorType::kQ5_0: set_half(start); break;
        case TensorType::kQ4_1:
        case TensorType::kQ5_1:
          set_half(start);
          set_half(start + 2);
          break;
        case TensorType::kQ4_K:
        case TensorType::kQ5_K:
          set_half(start);
          set_half(start + 2);
          break;
        case TensorType::kQ6_K: set_half(start + 208); break;
        default: break;
      }
    }
    return row;
  }

  std::vector<float> random_values(size_t n, float scale) {
    std::normal_distribution<float> normal(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = normal(rng_);
    return v;
  }

  std::mt19937 rng_{1234};
};

TEST_P(KernelTest, DequantizationMatchesTheLayoutSpecification) {
  const size_t n = 512;
  for (int trial = 0; trial < 8; ++trial) {
    std::vector<uint8_t> row = random_row(n);
    std::vector<float> out(n);
    dequantize_row(GetParam(), row, out);
    for (size_t e = 0; e < n; ++e) {
      double expected = reference_value(GetParam(), row, e);
      ASSERT_NEAR(out[e], expected, 1e-6 * std::fabs(expected) + 1e-12)
          << tensor_type_name(GetParam()) << " element " << e;
    }
  }
}

// Root-mean-square error of quantize -> dequantize, relative to the RMS of
// the (Gaussian) input. Bounds: F16 keeps 11 significant bits, BF16 8; Q8_0
// has 255 levels per block of 32 (~0.3% of the block maximum); Q6_K, Q5_K and
// Q4_K/Q4_0 have 64, 32 and 16 levels, so error grows by ~2x per bit lost.
double relative_round_trip_bound(TensorType type) {
  switch (type) {
    case TensorType::kF32: return 0.0;
    case TensorType::kF16: return 1e-3;
    case TensorType::kBF16: return 5e-3;
    case TensorType::kQ8_0: return 0.01;
    case TensorType::kQ6_K: return 0.04;
    case TensorType::kQ5_K:
    case TensorType::kQ5_0:
    case TensorType::kQ5_1: return 0.08;
    default: return 0.16;
  }
}

TEST_P(KernelTest, QuantizationRoundTripsWithinTheTypesPrecision) {
  const size_t n = 1024;
  std::vector<float> x = random_values(n, 1.0f);
  std::vector<uint8_t> row(*row_bytes(GetParam(), n));
  quantize_row(GetParam(), x, row);
  std::vector<float> back(n);
  dequantize_row(GetParam(), row, back);
  double error = 0;
  double norm = 0;
  for (size_t i = 0; i < n; ++i) {
    error += (back[i] - x[i]) * (back[i] - x[i]);
    norm += x[i] * x[i];
  }
  EXPECT_LE(std::sqrt(error / norm), relative_round_trip_bound(GetParam()))
      << tensor_type_name(GetParam());
  // Quantizing the dequantized values again stays within the same bound.
  std::vector<uint8_t> again(row.size());
  quantize_row(GetParam(), back, again);
  std::vector<float> back2(n);
  dequantize_row(GetParam(), again, back2);
  double drift = 0;
  for (size_t i = 0; i < n; ++i) drift += (back2[i] - back[i]) * (back2[i] - back[i]);
  EXPECT_LE(std::sqrt(drift / norm), relative_round_trip_bound(GetParam()));
}

TEST_P(KernelTest, DotProductEqualsTheDotOfDequantizedOperands) {
  const size_t n = 768;
  for (int trial = 0; trial < 8; ++trial) {
    std::vector<uint8_t> row = random_row(n);
    std::vector<float> x = random_values(n, 1.0f);
    Activations activations;
    activations.prepare(activation_format(GetParam()), x);
    // What the kernel should see: the row's values and the activations after
    // the same quantization the kernel's activation format applies.
    std::vector<float> seen_x(n);
    switch (activations.format()) {
      case ActivationFormat::kF32: seen_x = x; break;
      case ActivationFormat::kQ8_0: {
        std::vector<uint8_t> bytes(n / 32 * 34);
        std::memcpy(bytes.data(), activations.q8_0().data(), bytes.size());
        for (size_t e = 0; e < n; ++e) seen_x[e] = reference_value(TensorType::kQ8_0, bytes, e);
        break;
      }
      case ActivationFormat::kQ8_K: dequantize_row_q8_k(activations.q8_k(), seen_x); break;
    }
    double expected = 0;
    double magnitude = 0;
    for (size_t e = 0; e < n; ++e) {
      double w = reference_value(GetParam(), row, e);
      expected += w * seen_x[e];
      magnitude += std::fabs(w * seen_x[e]);
    }
    float got = dot_row(GetParam(), row, activations);
    EXPECT_NEAR(got, expected, 1e-5 * magnitude + 1e-9) << tensor_type_name(GetParam());
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, KernelTest, ::testing::ValuesIn(kAllTypes),
                         [](const ::testing::TestParamInfo<TensorType>& param_info) {
                           return std::string(tensor_type_name(param_info.param));
                         });

TEST(Q8K, QuantizesWithGroupSums) {
  std::vector<float> x(256);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 17) - 8.0f;
  x[5] = -20.0f;  // the value of largest magnitude maps to -127
  std::vector<BlockQ8_K> block(1);
  quantize_row_q8_k(x, block);
  EXPECT_FLOAT_EQ(block[0].d, 20.0f / 127.0f);
  EXPECT_EQ(block[0].qs[5], -127);
  for (size_t g = 0; g < 16; ++g) {
    int sum = 0;
    for (size_t i = 0; i < 16; ++i) sum += block[0].qs[g * 16 + i];
    EXPECT_EQ(block[0].bsums[g], sum);
  }
  std::vector<float> zeros(256, 0.0f);
  quantize_row_q8_k(zeros, block);
  EXPECT_EQ(block[0].d, 0.0f);
}

// The 12-byte layout itself is checked by DequantizationMatchesTheLayoutSpecification
// through unpack_scale_min_k4; the word-wise unpacking must agree with it on
// any bytes, and give back what pack_scale_min_k4 stored.
TEST(KScales, UnpackingAllAtOnceMatchesOneAtATime) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> six_bits(0, 63);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int trial = 0; trial < 1000; ++trial) {
    uint8_t packed[kKScaleBytes] = {};
    uint8_t stored[16];
    for (int j = 0; j < 8; ++j) {
      stored[j] = static_cast<uint8_t>(six_bits(rng));
      stored[8 + j] = static_cast<uint8_t>(six_bits(rng));
      pack_scale_min_k4(j, stored[j], stored[8 + j], packed);
    }
    uint8_t all[16];
    unpack_scales_mins_k4(packed, all);
    EXPECT_EQ(std::memcmp(all, stored, 16), 0);
    for (uint8_t& b : packed) b = static_cast<uint8_t>(byte(rng));
    unpack_scales_mins_k4(packed, all);
    for (int j = 0; j < 8; ++j) {
      uint8_t scale = 0;
      uint8_t min = 0;
      unpack_scale_min_k4(j, packed, &scale, &min);
      EXPECT_EQ(all[j], scale);
      EXPECT_EQ(all[8 + j], min);
    }
  }
}

TEST(Q4_0, LargestMagnitudeMapsToMinusEight) {
  std::vector<float> x(32, 0.0f);
  x[3] = 4.0f;
  x[20] = -1.0f;
  std::vector<uint8_t> row(18);
  quantize_row(TensorType::kQ4_0, x, row);
  EXPECT_EQ(fp16_to_f32(le16(row.data())), -0.5f);
  EXPECT_EQ((row[2 + 3] & 15), 0);  // 4.0 / -0.5 + 8 = 0
  std::vector<float> back(32);
  dequantize_row(TensorType::kQ4_0, row, back);
  EXPECT_EQ(back[3], 4.0f);
  EXPECT_EQ(back[20], -1.0f);
  EXPECT_EQ(back[0], 0.0f);
}

TEST(KernelTypes, SupportedTypesAreExactlyTheEngines) {
  for (TensorType type : kAllTypes) EXPECT_TRUE(can_compute(type));
  EXPECT_FALSE(can_compute(TensorType::kQ2_K));
  EXPECT_FALSE(can_compute(TensorType::kIQ4_XS));
}

}  // namespace
}  // namespace cloister::engine::kernels
