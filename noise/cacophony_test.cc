#include "noise/cacophony.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_data.h"

namespace cloister::noise {
namespace {

// Declares `text` holding the shared cacophony vector file.
#define READ_VECTORS(text)                                \
  CLOISTER_TEST_DATA(text##_path, "noise/cacophony.txt"); \
  std::string text = to_string(testing::read_test_file(text##_path))

// Every vector for a 25519 protocol with a supported cipher and hash must
// pass; only the 448 ones are skipped.
TEST(Cacophony, PassesEverySupportedVector) {
  READ_VECTORS(text);
  auto summary = run_cacophony_vectors(text);
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  for (const auto& failure : summary->failures) ADD_FAILURE() << failure;
  EXPECT_EQ(summary->failed, 0u);
  // 59 patterns x 2 ciphers x 4 hashes on 25519; the same again on 448.
  EXPECT_EQ(summary->passed, 472u);
  EXPECT_EQ(summary->skipped, 472u);
}

// The product's own suite, run alone so a regression names it.
TEST(Cacophony, PassesXx25519AesGcmSha256) {
  READ_VECTORS(text);
  auto document = nlohmann::json::parse(text);
  nlohmann::json only = {{"vectors", nlohmann::json::array()}};
  for (const auto& vector : document["vectors"]) {
    if (vector["protocol_name"] == "Noise_XX_25519_AESGCM_SHA256")
      only["vectors"].push_back(vector);
  }
  ASSERT_EQ(only["vectors"].size(), 1u);
  auto summary = run_cacophony_vectors(only.dump());
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(format_summary(*summary), "1 passed, 0 failed, 0 skipped");
}

// A vector whose ciphertext was altered must count as a failure, not a pass.
TEST(Cacophony, CountsAlteredVectorAsFailure) {
  READ_VECTORS(text);
  auto document = nlohmann::json::parse(text);
  nlohmann::json only = {{"vectors", nlohmann::json::array()}};
  for (const auto& vector : document["vectors"]) {
    if (vector["protocol_name"] == "Noise_IK_25519_ChaChaPoly_SHA256")
      only["vectors"].push_back(vector);
  }
  ASSERT_EQ(only["vectors"].size(), 1u);
  std::string& ciphertext = only["vectors"][0]["messages"][1]["ciphertext"].get_ref<std::string&>();
  ciphertext[70] = ciphertext[70] == '0' ? '1' : '0';
  auto summary = run_cacophony_vectors(only.dump());
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->failed, 1u);
  EXPECT_EQ(summary->passed, 0u);
  ASSERT_EQ(summary->failures.size(), 1u);
  EXPECT_NE(summary->failures[0].find("Noise_IK_25519_ChaChaPoly_SHA256"), std::string::npos);
}

TEST(Cacophony, RejectsDocumentWithoutVectors) {
  EXPECT_FALSE(run_cacophony_vectors("{\"tests\": []}").ok());
  EXPECT_FALSE(run_cacophony_vectors("not json").ok());
}

}  // namespace
}  // namespace cloister::noise
