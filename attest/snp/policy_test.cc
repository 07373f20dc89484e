#include "attest/snp/policy.h"

#include <gtest/gtest.h>

namespace cloister::attest::snp {
namespace {

TEST(SnpPolicy, DefaultsForbidDebugAndMigrationAndSimulated) {
  Policy policy;
  EXPECT_FALSE(policy.allow_debug);
  EXPECT_FALSE(policy.allow_migration_agent);
  EXPECT_TRUE(policy.allow_smt);
  EXPECT_FALSE(policy.allow_simulated);
  EXPECT_FALSE(policy.accepted_measurements.has_value());
}

TEST(SnpPolicy, ParsesEveryKey) {
  std::string measurement(96, 'a');
  std::string report_data(128, '0');
  auto policy = parse_policy_json(
      R"({"allow_debug": true, "allow_smt": false, "vmpl": 0, "minimum_guest_svn": 2,
          "minimum_tcb": {"bootloader": 3, "snp": 8, "microcode": 115},
          "measurements": [")" +
      measurement + R"("], "report_data": ")" + report_data + R"("})");
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  EXPECT_TRUE(policy->allow_debug);
  EXPECT_FALSE(policy->allow_smt);
  EXPECT_EQ(policy->required_vmpl, 0u);
  EXPECT_EQ(policy->minimum_guest_svn, 2u);
  ASSERT_TRUE(policy->minimum_tcb.has_value());
  EXPECT_EQ(policy->minimum_tcb->microcode, 115);
  ASSERT_EQ(policy->accepted_measurements->size(), 1u);
  EXPECT_EQ((*policy->accepted_measurements)[0].size(), 48u);
  EXPECT_TRUE(policy->expected_report_data.has_value());
}

TEST(SnpPolicy, RejectsTyposAndBadValues) {
  EXPECT_FALSE(parse_policy_json(R"({"allow_debugg": true})").ok());
  EXPECT_FALSE(parse_policy_json(R"({"allow_debug": "yes"})").ok());
  EXPECT_FALSE(parse_policy_json(R"({"vmpl": 4})").ok());
  EXPECT_FALSE(parse_policy_json(R"({"measurements": ["abcd"]})").ok());
  EXPECT_FALSE(parse_policy_json(R"({"minimum_tcb": {"ucode": 1}})").ok());
  EXPECT_FALSE(parse_policy_json("[]").ok());
  EXPECT_FALSE(parse_policy_json("{").ok());
}

}  // namespace
}  // namespace cloister::attest::snp
