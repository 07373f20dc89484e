// Release versions against the Semantic Versioning 2.0.0 specification
// (semver.org): its own precedence examples (section 11) and its grammar's
// rules on what is not a version.
#include "tlog/release_version.h"

#include <gtest/gtest.h>

namespace cloister::tlog {
namespace {

ReleaseVersion parsed(std::string_view text) {
  auto version = parse_release_version(text);
  EXPECT_TRUE(version.ok()) << text << ": " << version.error().message();
  return version.ok() ? *version : ReleaseVersion{};
}

std::strong_ordering order(std::string_view a, std::string_view b) {
  return compare_precedence(parsed(a), parsed(b));
}

TEST(ReleaseVersion, FollowsTheSpecificationsPrecedenceExamples) {
  // Section 11: "1.0.0 < 2.0.0 < 2.1.0 < 2.1.1", and
  // "1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 <
  //  1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0".
  const std::vector<std::vector<std::string_view>> chains = {
      {"1.0.0", "2.0.0", "2.1.0", "2.1.1"},
      {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
       "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"},
  };
  for (const auto& chain : chains) {
    for (size_t i = 0; i < chain.size(); ++i) {
      for (size_t j = 0; j < chain.size(); ++j) {
        EXPECT_EQ(order(chain[i], chain[j]), i <=> j) << chain[i] << " vs " << chain[j];
      }
    }
  }
}

TEST(ReleaseVersion, IgnoresBuildMetadataAndComparesNumbersAsNumbers) {
  // Section 10: "1.0.0+20130313144700" and "1.0.0-beta+exp.sha.5114f85" are
  // versions; build metadata does not count.
  EXPECT_EQ(order("1.0.0+20130313144700", "1.0.0"), std::strong_ordering::equal);
  EXPECT_EQ(order("1.0.0-beta+exp.sha.5114f85", "1.0.0-beta"), std::strong_ordering::equal);
  EXPECT_EQ(parsed("1.0.0-beta+exp.sha.5114f85").build, "exp.sha.5114f85");
  EXPECT_EQ(order("1.9.0", "1.10.0"), std::strong_ordering::less);  // section 2's example
  EXPECT_EQ(order("1.0.0-rc.9", "1.0.0-rc.10"), std::strong_ordering::less);
  EXPECT_EQ(order("1.0.0-2", "1.0.0-a"), std::strong_ordering::less);  // numbers first
  EXPECT_EQ(order("18446744073709551615.0.0", "18446744073709551614.9.9"),
            std::strong_ordering::greater);
  const ReleaseVersion version = parsed("0.1.0-enclave");
  EXPECT_EQ(version.minor, 1u);
  EXPECT_EQ(version.prerelease, std::vector<std::string>{"enclave"});
}

TEST(ReleaseVersion, RefusesWhatTheGrammarDoesNot) {
  for (std::string_view bad :
       {"", "1", "1.0", "1.0.0.0", "v1.0.0", "01.0.0", "1.00.0", "1.0.0-", "1.0.0-01",
        "1.0.0-alpha..1", "1.0.0+", "1.0.0+a..b", "1.0.0-al_pha", "1.0.0 ", " 1.0.0", "1.-1.0",
        "18446744073709551616.0.0", "1.0.0-\xc3\xa9"}) {
    auto version = parse_release_version(bad);
    ASSERT_FALSE(version.ok()) << "\"" << bad << "\" parsed";
    EXPECT_EQ(version.error().code(), ErrorCode::kMalformed);
    EXPECT_NE(version.error().message().find("version"), std::string::npos);
  }
  // Leading zeros are allowed in build metadata only.
  EXPECT_TRUE(parse_release_version("1.0.0+001").ok());
  EXPECT_FALSE(parse_release_version(std::string(kMaxReleaseVersionSize, '1')).ok());
}

}  // namespace
}  // namespace cloister::tlog
