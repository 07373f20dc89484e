// The golden test: a real trained model (Karpathy's TinyStories 260K) decoded
// greedily for 200 steps from BOS must print exactly what llama2.c and
// llama.cpp print.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/kernels/dispatch.h"
#include "engine/model/transformer.h"
#include "engine/tokenizer/tokenizer.h"
#include "testing/test_data.h"

namespace cloister::engine {
namespace {

TokenId argmax(const std::vector<float>& logits) {
  return static_cast<TokenId>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

// Runs on every kernel path this machine has (scalar, AVX2, AVX-512, AMX).
class Stories260K : public ::testing::TestWithParam<kernels::KernelPath> {
 protected:
  void SetUp() override { ASSERT_TRUE(kernels::set_kernel_path(GetParam()).ok()); }
  void TearDown() override { (void)kernels::set_kernel_path(default_path_); }

 private:
  kernels::KernelPath default_path_ = kernels::active_kernel_path();
};

TEST_P(Stories260K, GreedyDecodingMatchesTheReferenceOutput) {
  CLOISTER_TEST_DATA(model_path, "models/stories260K.gguf");
  CLOISTER_TEST_DATA(expected_path, "models/stories260K.greedy200.txt");
  Bytes expected_bytes = testing::read_test_file(expected_path);
  const std::string expected(expected_bytes.begin(), expected_bytes.end());

  Result<GgufFile> file = GgufFile::open(model_path);
  ASSERT_TRUE(file.ok()) << file.error().message();
  Result<Transformer> model = Transformer::load(*file);
  ASSERT_TRUE(model.ok()) << model.error().message();
  Result<Tokenizer> tokenizer = Tokenizer::from_gguf(*file);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.error().message();
  ASSERT_EQ(tokenizer->vocab().bos(), 1);

  const ModelConfig& config = model->config();
  EXPECT_EQ(config.n_vocab, 512u);
  EXPECT_EQ(config.head_dim, 8u);
  EXPECT_FALSE(model->weights().tied_embeddings);
  KvCache cache(config, 256);
  ForwardScratch scratch(config, 256);
  RopeAngles rope = model->make_rope();
  std::vector<float> logits(config.n_vocab);

  std::vector<TokenId> generated;
  TokenId token = *tokenizer->vocab().bos();
  for (uint32_t pos = 0; pos < 200; ++pos) {
    ASSERT_TRUE(model->forward(token, pos, cache, scratch, rope, logits, nullptr).ok());
    token = argmax(logits);
    generated.push_back(token);
  }
  const std::vector<TokenId> first_ids(generated.begin(), generated.begin() + 10);
  EXPECT_EQ(first_ids, (std::vector<TokenId>{403, 407, 261, 378, 432, 383, 286, 261, 376, 298}));

  TokenDecoder decoder(*tokenizer);
  decoder.set_previous(*tokenizer->vocab().bos());
  std::string text;
  for (TokenId id : generated) text += decoder.next(id);
  EXPECT_EQ(text, expected);
}

INSTANTIATE_TEST_SUITE_P(KernelPaths, Stories260K,
                         ::testing::ValuesIn(kernels::supported_kernel_paths()),
                         [](const ::testing::TestParamInfo<kernels::KernelPath>& param_info) {
                           return std::string(kernels::kernel_path_name(param_info.param));
                         });

}  // namespace
}  // namespace cloister::engine
