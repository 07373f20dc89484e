#include "client/keys/recovery_code.h"

#include <algorithm>
#include <cctype>

#include <gtest/gtest.h>

namespace cloister::client {
namespace {

TEST(RecoveryCode, FormatsAsEightGroupsOfFour) {
  std::string code = format_recovery_code(generate_recovery_entropy());
  ASSERT_EQ(code.size(), 39u);
  for (size_t i = 4; i < code.size(); i += 5) EXPECT_EQ(code[i], '-') << code;
}

TEST(RecoveryCode, KnownEntropyEncodesAsCrockfordBase32) {
  // 16 zero bytes of entropy: the first 25 characters encode 125 zero bits.
  std::string code = format_recovery_code(crypto::SecretBytes(kRecoveryEntropySize));
  EXPECT_EQ(code.substr(0, 29), "0000-0000-0000-0000-0000-0000");
}

TEST(RecoveryCode, ParsesCaseInsensitivelyWithLookAlikes) {
  crypto::SecretBytes entropy = generate_recovery_entropy();
  std::string code = format_recovery_code(entropy);
  std::string sloppy;
  for (char c : code) {
    if (c == '-') continue;
    if (c == '0') c = 'O';
    if (c == '1') c = 'l';
    sloppy += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto parsed = parse_recovery_code(sloppy);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_TRUE(parsed->equals(entropy.span()));
}

TEST(RecoveryCode, DetectsEveryOneCharacterTypo) {
  std::string code = format_recovery_code(generate_recovery_entropy());
  for (size_t i = 0; i < code.size(); ++i) {
    if (code[i] == '-') continue;
    std::string typo = code;
    typo[i] = code[i] == 'Z' ? 'Y' : 'Z';
    EXPECT_FALSE(parse_recovery_code(typo).ok()) << typo;
  }
}

TEST(RecoveryCode, RejectsWrongLengthAndBadCharacters) {
  std::string code = format_recovery_code(generate_recovery_entropy());
  EXPECT_FALSE(parse_recovery_code(code.substr(0, 38)).ok());
  EXPECT_FALSE(parse_recovery_code(code + "A").ok());
  std::string bad = code;
  bad[0] = 'U';  // not in Crockford's alphabet
  auto result = parse_recovery_code(bad);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("invalid character"), std::string::npos);
}

}  // namespace
}  // namespace cloister::client
