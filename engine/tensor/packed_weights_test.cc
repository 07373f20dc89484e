// Packing at load: which matrices are packed, that products read the packed
// copy and agree with the file's rows, that products taken together agree
// with each taken alone, and that the file pages given back read the same
// afterwards.
#include "engine/tensor/packed_weights.h"

#include <cmath>
#include <fstream>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "engine/kernels/dispatch.h"
#include "engine/kernels/gemm.h"
#include "engine/kernels/kernels.h"
#include "engine/tensor/matmul.h"
#include "engine/tensor/matvec.h"
#include "testing/temp_dir.h"

namespace cloister::engine {
namespace {

constexpr uint64_t kRows = 45;  // a last panel of 13 rows
constexpr uint64_t kCols = 256;
constexpr size_t kTokens = 11;  // a pass of the kernels' 8 tokens and one of 3

// Restores the machine's default path when a test that forced one ends.
class KernelPathGuard {
 public:
  KernelPathGuard() : saved_(kernels::active_kernel_path()) {}
  KernelPathGuard(const KernelPathGuard&) = delete;
  KernelPathGuard& operator=(const KernelPathGuard&) = delete;
  ~KernelPathGuard() { (void)kernels::set_kernel_path(saved_); }

 private:
  kernels::KernelPath saved_;
};

std::vector<float> random_values(size_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// A file holding a Q8_0, a Q4_K, a Q6_K and an F16 matrix, page-aligned,
// mapped.
class PackedWeightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(7);
    Bytes contents;
    for (TensorType type :
         {TensorType::kQ8_0, TensorType::kQ4_K, TensorType::kQ6_K, TensorType::kF16}) {
      const uint64_t stride = *row_bytes(type, kCols);
      const size_t offset = contents.size();
      contents.resize(offset + stride * kRows);
      for (uint64_t r = 0; r < kRows; ++r) {
        kernels::quantize_row(type, random_values(kCols, rng),
                              std::span<uint8_t>(contents).subspan(offset + r * stride, stride));
      }
      contents.resize((contents.size() + 4095) / 4096 * 4096);
      offsets_.push_back(offset);
    }
    const auto path = dir_.path() / "weights.bin";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(contents.data()),
               static_cast<std::streamsize>(contents.size()));
    Result<std::shared_ptr<const MappedFile>> mapped = MappedFile::open(path);
    ASSERT_TRUE(mapped.ok()) << mapped.error().message();
    mapping_ = *mapped;
    contents_ = contents;
    q8_0_ = matrix(TensorType::kQ8_0, offsets_[0]);
    q4_k_ = matrix(TensorType::kQ4_K, offsets_[1]);
    q6_k_ = matrix(TensorType::kQ6_K, offsets_[2]);
    f16_ = matrix(TensorType::kF16, offsets_[3]);
    x_ = random_values(kTokens * kCols, rng);
  }

  Matrix matrix(TensorType type, size_t offset) const {
    const uint64_t stride = *row_bytes(type, kCols);
    return {"m", type, kRows, kCols, stride, mapping_->bytes().subspan(offset, stride * kRows)};
  }

  testing::TempDir dir_;
  std::shared_ptr<const MappedFile> mapping_;
  Bytes contents_;
  std::vector<size_t> offsets_;
  Matrix q8_0_;
  Matrix q4_k_;
  Matrix q6_k_;
  Matrix f16_;
  std::vector<float> x_;  // kTokens tokens' activations
};

TEST_F(PackedWeightsTest, PacksQ8_0Q4_KAndQ6_KOnlyOnPathsThatReadPackedPanels) {
  KernelPathGuard guard;
  for (kernels::KernelPath path : kernels::supported_kernel_paths()) {
    ASSERT_TRUE(kernels::set_kernel_path(path).ok());
    Matrix q8_0 = q8_0_;
    Matrix q4_k = q4_k_;
    Matrix q6_k = q6_k_;
    Matrix f16 = f16_;
    Matrix* matrices[] = {&q8_0, &q4_k, &q6_k, &f16};
    const PackedWeights packed = PackedWeights::pack(matrices, mapping_.get());
    EXPECT_EQ(f16.packed, nullptr);
    if (kernels::active_kernels().pack_panels == nullptr) {
      EXPECT_EQ(packed.bytes(), 0u) << kernels::kernel_path_name(path);
      EXPECT_EQ(q8_0.packed, nullptr);
      EXPECT_EQ(q4_k.packed, nullptr);
      EXPECT_EQ(q6_k.packed, nullptr);
      continue;
    }
    // Two panels of 32 rows each: for Q8_0 and Q6_K each the size of 32 rows
    // of the file; for Q4_K, 4.625 bits a value where the file has 4.5.
    const size_t q4_k_panel = 32 * q4_k.row_stride * 37 / 36;
    EXPECT_EQ(packed.bytes(), 2 * 32 * q8_0.row_stride + 2 * q4_k_panel + 2 * 32 * q6_k.row_stride);
    EXPECT_EQ(q4_k.packed, q8_0.packed + 2 * 32 * q8_0.row_stride);
    EXPECT_EQ(q6_k.packed, q4_k.packed + 2 * q4_k_panel);
    EXPECT_NE(q8_0.packed, nullptr);
  }
}

TEST_F(PackedWeightsTest, ProductsOfAPackedMatrixAgreeWithTheFilesRows) {
  for (const Matrix* file_rows : {&q8_0_, &q4_k_, &q6_k_}) {
    const std::string type(tensor_type_name(file_rows->type));
    Matrix packed_matrix = *file_rows;
    Matrix* matrices[] = {&packed_matrix};
    const PackedWeights packed = PackedWeights::pack(matrices, mapping_.get());
    if (packed.bytes() == 0) GTEST_SKIP() << "this machine's kernel path does not pack";

    // A batch takes the blocked kernels either way, and the packed factors
    // are the file's: the same sums, bit for bit, for Q8_0; the packed Q4_K
    // and Q6_K kernel applies the blocks' factors in integers (as ggml
    // does) where the panels unpacked per call apply them in floats, so
    // those agree to float rounding.
    BatchInput input;
    std::vector<float> expected(kTokens * kRows);
    std::vector<float> got(kTokens * kRows);
    input.set(x_.data(), kTokens, kCols);
    matmul(*file_rows, input, expected.data(), kRows, nullptr);
    input.set(x_.data(), kTokens, kCols);
    matmul(packed_matrix, input, got.data(), kRows, nullptr);
    if (file_rows->type != TensorType::kQ8_0) {
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_NEAR(got[i], expected[i], 1e-5 * (std::fabs(expected[i]) + 1.0)) << type << " " << i;
      }
    } else {
      EXPECT_EQ(got, expected) << type;
    }

    // One token: the packed panels against row dot products, which sum in
    // another order.
    InputVector vector;
    std::vector<float> by_rows(kRows);
    std::vector<float> by_panels(kRows);
    vector.set(std::span<const float>(x_).first(kCols));
    matvec(*file_rows, vector, by_rows, nullptr);
    vector.set(std::span<const float>(x_).first(kCols));
    matvec(packed_matrix, vector, by_panels, nullptr);
    for (uint64_t r = 0; r < kRows; ++r) {
      EXPECT_NEAR(by_panels[r], by_rows[r], 1e-4 * (std::fabs(by_rows[r]) + 1.0))
          << type << " row " << r;
    }
  }
}

// matmul_all takes products of several matrices with one input in one loop
// of the pool: each must equal that matrix's product taken alone, whatever
// its path (packed panels, panels unpacked per call, row dot products) and
// activation format, for one token and for a batch.
TEST_F(PackedWeightsTest, ProductsTakenTogetherEqualEachTakenAlone) {
  Matrix packed_q8_0 = q8_0_;
  Matrix* matrices[] = {&packed_q8_0};
  const PackedWeights packed = PackedWeights::pack(matrices, mapping_.get());
  // Five: more than matmul_all takes in one loop.
  const Matrix* all[] = {&packed_q8_0, &q4_k_, &q6_k_, &f16_, &q8_0_};
  ThreadPool pool(2);
  for (size_t tokens : {1u, 3u}) {
    std::vector<std::vector<float>> together(std::size(all), std::vector<float>(tokens * kRows));
    std::vector<MatmulTarget> targets;
    for (size_t i = 0; i < std::size(all); ++i) {
      targets.push_back({all[i], together[i].data(), kRows});
    }
    BatchInput input;
    input.set(x_.data(), tokens, kCols);
    matmul_all(targets, input, &pool);
    for (size_t i = 0; i < std::size(all); ++i) {
      std::vector<float> alone(tokens * kRows);
      input.set(x_.data(), tokens, kCols);
      matmul(*all[i], input, alone.data(), kRows, nullptr);
      EXPECT_EQ(together[i], alone)
          << tensor_type_name(all[i]->type) << ", " << tokens << " tokens";
    }
  }
}

TEST_F(PackedWeightsTest, PagesGivenBackReadTheSameFromTheFile) {
  Matrix q8_0 = q8_0_;
  Matrix* matrices[] = {&q8_0};
  const PackedWeights packed = PackedWeights::pack(matrices, mapping_.get());
  mapping_->release(mapping_->bytes());  // also on paths that pack nothing
  const ByteSpan now = mapping_->bytes();
  ASSERT_EQ(now.size(), contents_.size());
  EXPECT_TRUE(std::equal(now.begin(), now.end(), contents_.begin()));
}

}  // namespace
}  // namespace cloister::engine
