#include "attest/nvidia/policy.h"

#include <gtest/gtest.h>

namespace cloister::attest::nvidia {
namespace {

TEST(NvidiaPolicy, ParsesNonceAndGoldenValues) {
  auto policy =
      parse_policy_json(R"({"nonce": ")" + std::string(64, 'b') +
                        R"(", "measurements": [{"index": 2, "values": ["00ff", "01"]}]})");
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  ASSERT_TRUE(policy->expected_nonce.has_value());
  EXPECT_EQ((*policy->expected_nonce)[0], 0xbb);
  ASSERT_TRUE(policy->golden.has_value());
  EXPECT_EQ(policy->golden->values.at(2).size(), 2u);
}

TEST(NvidiaPolicy, RejectsBadDocuments) {
  EXPECT_FALSE(parse_policy_json(R"({"nonce": "abcd"})").ok());
  EXPECT_FALSE(parse_policy_json(R"({"nonces": "abcd"})").ok());
  EXPECT_FALSE(parse_golden_json(R"({"measurements": [{"index": 300, "values": ["00"]}]})").ok());
  EXPECT_FALSE(parse_golden_json(R"({"measurements": [{"index": 1, "values": []}]})").ok());
  EXPECT_FALSE(parse_golden_json(R"({"measurements": {}})").ok());
  EXPECT_FALSE(parse_golden_json("{}").ok());
}

}  // namespace
}  // namespace cloister::attest::nvidia
