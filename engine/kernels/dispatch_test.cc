// Every kernel path this machine can run (scalar, AVX2, AVX-512, AMX), held
// to the scalar reference kernels on random inputs.
//
// Tolerances. The quantized kernels compute each block's products exactly in
// integers, as the scalar ones do; they differ only in the order and fusing
// (FMA) of the float additions across blocks. Recursive summation of m terms
// has an error of at most (m - 1) u sum|term| (Higham, Accuracy and Stability
// of Numerical Algorithms, 2nd ed., 4.2), with u = 2^-24, plus one rounding
// per product of scales. Both kernels are within that of the exact value, so
// they differ by at most 2 (n + 2) u sum|w_i x_i| for a row of n elements,
// which covers the float kernels as well (n products, n additions). The
// activation quantizers must match bit for bit: they use the same operations
// in the same precision.
#include "engine/kernels/dispatch.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/kernels/fp16.h"
#include "engine/kernels/kernels.h"

namespace cloister::engine::kernels {
namespace {

constexpr double kUnitRoundoff = 1.0 / (1 << 24);

constexpr TensorType kDotTypes[] = {TensorType::kF32,  TensorType::kF16,  TensorType::kBF16,
                                    TensorType::kQ8_0, TensorType::kQ4_0, TensorType::kQ4_1,
                                    TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ4_K,
                                    TensorType::kQ5_K, TensorType::kQ6_K};

// Restores the machine's default path when a test that forced one ends.
class KernelPathGuard {
 public:
  KernelPathGuard() : saved_(active_kernel_path()) {}
  KernelPathGuard(const KernelPathGuard&) = delete;
  KernelPathGuard& operator=(const KernelPathGuard&) = delete;
  ~KernelPathGuard() { (void)set_kernel_path(saved_); }

 private:
  KernelPath saved_;
};

class DispatchTest : public ::testing::TestWithParam<KernelPath> {
 protected:
  std::vector<float> random_values(size_t n) {
    // Blocks of different magnitudes, so that the per-block scales differ.
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_real_distribution<float> magnitude(0.01f, 4.0f);
    std::vector<float> v(n);
    float scale = 1.0f;
    for (size_t i = 0; i < n; ++i) {
      if (i % 32 == 0) scale = magnitude(rng_);
      v[i] = normal(rng_) * scale;
    }
    return v;
  }

  std::vector<uint8_t> random_row(TensorType type, size_t n) {
    std::vector<uint8_t> row(*row_bytes(type, n));
    quantize_row(type, random_values(n), row);
    if (type == TensorType::kQ8_0) {
      // The quantizer never writes -128, but a file may hold it.
      for (size_t b = 0; b < n / 32; b += 3) row[b * sizeof(BlockQ8_0) + 2 + b % 32] = 0x80;
    }
    return row;
  }

  std::mt19937 rng_{20261123};
};

// Sum of |w_i x_i| over the dequantized operands: the scale of the allowed error.
double magnitude_of(TensorType type, const std::vector<uint8_t>& row, const Activations& x) {
  const size_t n = x.size();
  std::vector<float> w(n);
  dequantize_row(type, row, w);
  std::vector<float> seen(n);
  switch (x.format()) {
    case ActivationFormat::kF32: seen.assign(x.f32().begin(), x.f32().end()); break;
    case ActivationFormat::kQ8_0: dequantize_row_q8_0(x.q8_0(), seen); break;
    case ActivationFormat::kQ8_K: dequantize_row_q8_k(x.q8_k(), seen); break;
  }
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::fabs(static_cast<double>(w[i]) * seen[i]);
  return sum;
}

double allowed_difference(size_t n, double magnitude) {
  return 2.0 * static_cast<double>(n + 2) * kUnitRoundoff * magnitude + 1e-30;
}

TEST_P(DispatchTest, ActivationQuantizationIsBitIdenticalToScalar) {
  const KernelTable& scalar = scalar_kernels();
  const KernelTable& path = kernel_table(GetParam());
  // 352 values end in a run of 3 Q8_0 blocks; values 224..255 are an all-zero block.
  for (size_t n : {256u, 352u, 2048u}) {
    std::vector<float> x = random_values(n);
    x[5] = 0.0f;
    x[100] = -x[101];  // ties between signs in the largest-magnitude search
    std::fill_n(x.begin() + 224, 32, 0.0f);
    std::vector<BlockQ8_0> expected0(n / 32);
    std::vector<BlockQ8_0> got0(n / 32);
    scalar.quantize_q8_0(x.data(), n, expected0.data());
    path.quantize_q8_0(x.data(), n, got0.data());
    ASSERT_EQ(0, std::memcmp(expected0.data(), got0.data(), n / 32 * sizeof(BlockQ8_0)));

    std::vector<BlockQ8_K> expected_k(n / kQK_K);
    std::vector<BlockQ8_K> got_k(n / kQK_K);
    scalar.quantize_q8_k(x.data(), n, expected_k.data());
    path.quantize_q8_k(x.data(), n, got_k.data());
    ASSERT_EQ(0, std::memcmp(expected_k.data(), got_k.data(), n / kQK_K * sizeof(BlockQ8_K)));
  }
  // An all-zero block quantizes to zeros on every path.
  std::vector<float> zeros(256, 0.0f);
  BlockQ8_K expected{};
  BlockQ8_K got{};
  scalar.quantize_q8_k(zeros.data(), 256, &expected);
  path.quantize_q8_k(zeros.data(), 256, &got);
  EXPECT_EQ(0, std::memcmp(&expected, &got, sizeof(got)));
}

TEST_P(DispatchTest, DotProductsMatchScalarForEveryType) {
  const KernelTable& scalar = scalar_kernels();
  const KernelTable& path = kernel_table(GetParam());
  for (TensorType type : kDotTypes) {
    for (size_t n : {256u, 768u, 4096u}) {
      for (int trial = 0; trial < 4; ++trial) {
        std::vector<uint8_t> row = random_row(type, n);
        Activations x;
        x.prepare(activation_format(type), random_values(n));
        const float expected = scalar.dot_for(type)(row.data(), x.data(), n);
        const float got = path.dot_for(type)(row.data(), x.data(), n);
        EXPECT_NEAR(got, expected, allowed_difference(n, magnitude_of(type, row, x)))
            << tensor_type_name(type) << " n=" << n;
      }
    }
  }
}

TEST_P(DispatchTest, VectorHelpersMatchScalar) {
  const KernelTable& scalar = scalar_kernels();
  const KernelTable& path = kernel_table(GetParam());
  for (size_t n : {1u, 7u, 64u, 100u, 128u}) {
    std::vector<float> a = random_values(n);
    std::vector<float> b = random_values(n);
    std::vector<uint16_t> b16(n);
    scalar.f32_to_f16(b.data(), b16.data(), n);
    std::vector<uint16_t> got16(n);
    path.f32_to_f16(b.data(), got16.data(), n);
    EXPECT_EQ(b16, got16) << "f32_to_f16 n=" << n;

    double magnitude = 0;
    double magnitude16 = 0;
    for (size_t i = 0; i < n; ++i) {
      magnitude += std::fabs(static_cast<double>(a[i]) * b[i]);
      magnitude16 += std::fabs(static_cast<double>(a[i]) * fp16_to_f32(b16[i]));
    }
    EXPECT_NEAR(path.dot_f32(a.data(), b.data(), n), scalar.dot_f32(a.data(), b.data(), n),
                allowed_difference(n, magnitude));
    EXPECT_NEAR(path.dot_f32_f16(a.data(), b16.data(), n),
                scalar.dot_f32_f16(a.data(), b16.data(), n), allowed_difference(n, magnitude16));

    // axpy: one product and one addition per element; FMA rounds once
    // instead of twice, so each element may differ by 2 u (|y| + |a x|).
    const float alpha = 0.75f;
    std::vector<float> y_expected = a;
    std::vector<float> y_got = a;
    scalar.axpy_f32(alpha, b.data(), y_expected.data(), n);
    path.axpy_f32(alpha, b.data(), y_got.data(), n);
    std::vector<float> y16_expected = a;
    std::vector<float> y16_got = a;
    scalar.axpy_f16(alpha, b16.data(), y16_expected.data(), n);
    path.axpy_f16(alpha, b16.data(), y16_got.data(), n);
    for (size_t i = 0; i < n; ++i) {
      const double bound = 2 * kUnitRoundoff * (std::fabs(a[i]) + std::fabs(alpha * b[i])) * 1.01;
      EXPECT_NEAR(y_got[i], y_expected[i], bound) << "axpy_f32 element " << i;
      EXPECT_NEAR(y16_got[i], y16_expected[i], bound * 1.01) << "axpy_f16 element " << i;
    }
  }
}

// Several queries over the same cached rows, as attention takes a tile of
// tokens and the heads of one KV head: query counts below, at and past the
// blocked kernels' groups of 4, head sizes off their 8- and 16-value steps and
// past their largest blocked size, 37 rows (blocks of 8 and a tail), and
// weighted sums over fewer rows than the scores.
TEST_P(DispatchTest, AttentionRowHelpersMatchScalar) {
  const KernelTable& scalar = scalar_kernels();
  const KernelTable& path = kernel_table(GetParam());
  for (size_t dim : {8u, 64u, 80u, 128u, 12u, 264u}) {
    for (size_t queries : {1u, 3u, 4u, 6u, 9u}) {
      const size_t stride = dim * 3 + 4;  // rows of a KV cache: one head of several
      const size_t n = 37;
      const size_t q_stride = dim + 3;
      const std::vector<float> q = random_values(q_stride * queries);
      const std::vector<float> values = random_values(stride * n);
      std::vector<uint16_t> halves(values.size());
      std::transform(values.begin(), values.end(), halves.begin(), f32_to_fp16);
      const CachedRows rows{halves.data(), stride, dim};
      auto row_value = [&](size_t i, size_t d) { return fp16_to_f32(halves[i * stride + d]); };
      const Rows query_rows{q.data(), q_stride, queries};
      std::vector<float> expected(queries * n);
      std::vector<float> got(queries * n, -1.0f);
      scalar.dot_rows_f16(query_rows, rows, n, expected.data());
      path.dot_rows_f16(query_rows, rows, n, got.data());
      for (size_t j = 0; j < queries; ++j) {
        for (size_t i = 0; i < n; ++i) {
          double magnitude = 0;
          for (size_t d = 0; d < dim; ++d)
            magnitude += std::fabs(q[j * q_stride + d] * row_value(i, d));
          EXPECT_NEAR(got[j * n + i], expected[j * n + i], allowed_difference(dim, magnitude))
              << "dim " << dim << ", " << queries << " queries, query " << j << ", row " << i;
        }
      }

      const std::vector<float> weights = random_values(n * queries);
      std::vector<uint32_t> counts(queries);
      for (size_t j = 0; j < queries; ++j) counts[j] = static_cast<uint32_t>(n - (j * 5) % 11);
      std::vector<float> sum_expected(queries * dim);
      std::vector<float> sum_got(queries * dim, -1.0f);
      const Rows weight_rows{weights.data(), n, queries};
      scalar.weighted_rows_f16(weight_rows, counts.data(), rows, sum_expected.data());
      path.weighted_rows_f16(weight_rows, counts.data(), rows, sum_got.data());
      for (size_t j = 0; j < queries; ++j) {
        for (size_t d = 0; d < dim; ++d) {
          double magnitude = 0;
          for (size_t i = 0; i < counts[j]; ++i) {
            magnitude += std::fabs(weights[j * n + i] * row_value(i, d));
          }
          EXPECT_NEAR(sum_got[j * dim + d], sum_expected[j * dim + d],
                      allowed_difference(counts[j], magnitude))
              << "dim " << dim << ", " << queries << " queries, query " << j << ", value " << d;
        }
      }
    }
  }
}

// Softmax of attention scores: lengths off the 8-value step, scores spread
// wide enough that some weights underflow, and the scale folded in.
TEST_P(DispatchTest, SoftmaxMatchesScalar) {
  const KernelTable& scalar = scalar_kernels();
  const KernelTable& path = kernel_table(GetParam());
  for (size_t n : {1u, 5u, 8u, 37u, 300u}) {
    for (float spread : {1.0f, 40.0f}) {
      std::vector<float> expected = random_values(n);
      for (float& v : expected) v *= spread;
      std::vector<float> got = expected;
      const float scale = 0.125f;
      scalar.softmax(expected.data(), n, scale);
      path.softmax(got.data(), n, scale);
      double sum = 0;
      for (size_t i = 0; i < n; ++i) {
        // A few units of rounding in each exponential and in the sum (the
        // AVX2 path measured within 5.7e-7 of the scalar one).
        EXPECT_NEAR(got[i], expected[i], 1.5e-6 * expected[i] + 1e-30)
            << "n " << n << ", spread " << spread << ", value " << i;
        sum += got[i];
      }
      EXPECT_NEAR(sum, 1.0, 1e-5) << "n " << n;
    }
  }
}

// The feed-forward activation: lengths off the 8-value step, values wide
// enough that e^-x overflows a float on one side and underflows on the
// other, and the edges.
TEST_P(DispatchTest, SwigluMatchesScalar) {
  const KernelTable& scalar = scalar_kernels();
  const KernelTable& path = kernel_table(GetParam());
  for (size_t n : {1u, 7u, 8u, 45u, 300u}) {
    for (float spread : {1.0f, 30.0f}) {
      std::vector<float> gate = random_values(n);
      for (float& v : gate) v *= spread;
      const float edges[] = {0.0f, -0.0f, 88.0f, -88.0f, 100.0f, -100.0f, 1e-3f, -1e-3f};
      for (size_t i = 0; i < n && i < std::size(edges); ++i) gate[3 * i % n] = edges[i];
      const std::vector<float> up = random_values(n);
      std::vector<float> expected = gate;
      std::vector<float> got = gate;
      scalar.swiglu(expected.data(), up.data(), n);
      path.swiglu(got.data(), up.data(), n);
      for (size_t i = 0; i < n; ++i) {
        // A few units of rounding in the exponential, the sum and the
        // quotient.
        EXPECT_NEAR(got[i], expected[i], 1e-6 * std::fabs(expected[i]) + 1e-30)
            << "n " << n << ", spread " << spread << ", gate " << gate[i];
      }
    }
  }
}

// The blocked products (where the path has them) against scalar dot products
// row by row and token by token, for batch sizes around the kernels' tile
// sizes (8 tokens per AVX-512 pass, 16 per AMX tile) and a row count that is
// not a multiple of the 32-row panel; and so for matrices packed at load.
TEST_P(DispatchTest, BlockedProductsMatchScalarDotProducts) {
  const KernelTable& path = kernel_table(GetParam());
  if (path.gemm == nullptr) GTEST_SKIP() << "this path has no blocked kernels";
  const KernelTable& scalar = scalar_kernels();
  const size_t cols = 512;
  const size_t rows = 45;
  for (TensorType type : kDotTypes) {
    if (!path.gemm_supports(type)) continue;
    const size_t stride = *row_bytes(type, cols);
    std::vector<uint8_t> weights;
    for (size_t r = 0; r < rows; ++r) {
      std::vector<uint8_t> row = random_row(type, cols);
      weights.insert(weights.end(), row.begin(), row.end());
    }
    // Rows unpacked per call, and (where the path packs this type) the same
    // rows packed once.
    std::vector<uint8_t> packed;
    if (path.pack_panels != nullptr && packable(type)) {
      // Not zeroed, so that any byte of a row that packing leaves unwritten shows.
      packed.assign((rows + kPanelRows - 1) / kPanelRows * packed_panel_bytes(type, cols), 0xab);
      path.pack_panels(type, weights.data(), stride, rows, cols, packed.data());
    }
    for (size_t tokens : {1u, 3u, 5u, 16u, 21u, 35u}) {
      std::vector<Activations> x(tokens);
      const ActivationFormat format = activation_format(type);
      const size_t x_bytes = format == ActivationFormat::kQ8_0 ? cols / 32 * sizeof(BlockQ8_0)
                                                               : cols / kQK_K * sizeof(BlockQ8_K);
      std::vector<uint8_t> x_rows(tokens * x_bytes);
      for (size_t t = 0; t < tokens; ++t) {
        x[t].prepare(format, random_values(cols));
        std::memcpy(x_rows.data() + t * x_bytes, x[t].data(), x_bytes);
      }
      SplitActivationBuffer split;
      split.resize(tokens, cols);
      if (format == ActivationFormat::kQ8_0) {
        split.fill_range_q8_0(x_rows.data(), x_bytes, 0, tokens);
      } else {
        split.fill_range_q8_k(x_rows.data(), x_bytes, 0, tokens);
      }
      for (const bool use_packed : {false, true}) {
        if (use_packed && packed.empty()) continue;
        GemmWorkspace workspace;
        const size_t y_stride = rows + 3;
        std::vector<float> y(tokens * y_stride, -1.0f);
        GemmArgs args;
        args.type = type;
        args.weights = use_packed ? nullptr : weights.data();
        args.packed = use_packed ? packed.data() : nullptr;
        args.row_stride = stride;
        args.rows = rows;
        args.x = &split.view();
        args.y = y.data();
        args.y_stride = y_stride;
        args.workspace = &workspace;
        path.gemm(args);
        for (size_t t = 0; t < tokens; ++t) {
          for (size_t r = 0; r < rows; ++r) {
            const std::vector<uint8_t> row(
                weights.begin() + static_cast<ptrdiff_t>(r * stride),
                weights.begin() + static_cast<ptrdiff_t>((r + 1) * stride));
            const float expected = scalar.dot_for(type)(row.data(), x[t].data(), cols);
            ASSERT_NEAR(y[t * y_stride + r], expected,
                        allowed_difference(cols, magnitude_of(type, row, x[t])))
                << tensor_type_name(type) << (use_packed ? " packed" : "") << " tokens=" << tokens
                << " t=" << t << " r=" << r;
          }
          for (size_t r = rows; r < y_stride; ++r) {
            ASSERT_EQ(y[t * y_stride + r], -1.0f) << "wrote past the rows";
          }
        }
      }
    }
  }
}

TEST(Dispatch, ForcingAPathMakesItActive) {
  KernelPathGuard guard;
  for (KernelPath path : supported_kernel_paths()) {
    ASSERT_TRUE(set_kernel_path(path).ok()) << kernel_path_name(path);
    EXPECT_EQ(active_kernel_path(), path);
    EXPECT_EQ(active_kernels().path, path);
  }
}

TEST(Dispatch, RefusesAPathTheCpuLacks) {
  CpuFeatures none;
  EXPECT_TRUE(cpu_supports(KernelPath::kScalar, none));
  EXPECT_FALSE(cpu_supports(KernelPath::kAvx2, none));
  EXPECT_FALSE(cpu_supports(KernelPath::kAvx512, none));
  EXPECT_FALSE(cpu_supports(KernelPath::kAmx, none));
  EXPECT_EQ(choose_kernel_path(none, true), KernelPath::kScalar);

  CpuFeatures avx2_only;
  avx2_only.avx2 = avx2_only.fma = avx2_only.f16c = avx2_only.os_saves_avx = true;
  EXPECT_EQ(choose_kernel_path(avx2_only, true), KernelPath::kAvx2);
  // AVX-512 hardware whose OS does not save the ZMM state is not AVX-512.
  CpuFeatures no_os = avx2_only;
  no_os.avx512f = no_os.avx512bw = no_os.avx512vl = no_os.avx512vnni = true;
  EXPECT_EQ(choose_kernel_path(no_os, true), KernelPath::kAvx2);
  no_os.os_saves_avx512 = true;
  EXPECT_EQ(choose_kernel_path(no_os, true), KernelPath::kAvx512);
  no_os.amx_tile = no_os.amx_int8 = no_os.os_saves_amx = true;
  EXPECT_EQ(choose_kernel_path(no_os, false), KernelPath::kAvx512);
  EXPECT_EQ(choose_kernel_path(no_os, true), KernelPath::kAmx);

  for (KernelPath path : kAllKernelPaths) {
    EXPECT_EQ(kernel_path_from_name(kernel_path_name(path)), path);
  }
  EXPECT_FALSE(kernel_path_from_name("avx9").has_value());
}

TEST(Dispatch, DefaultPathIsTheFastestSupported) {
  const std::vector<KernelPath> supported = supported_kernel_paths();
  ASSERT_FALSE(supported.empty());
  EXPECT_EQ(supported.front(), KernelPath::kScalar);
  EXPECT_EQ(choose_kernel_path(detect_cpu_features(), request_amx_permission()), supported.back());
}

INSTANTIATE_TEST_SUITE_P(SupportedPaths, DispatchTest,
                         ::testing::ValuesIn(supported_kernel_paths()),
                         [](const ::testing::TestParamInfo<KernelPath>& param_info) {
                           return std::string(kernel_path_name(param_info.param));
                         });

}  // namespace
}  // namespace cloister::engine::kernels
