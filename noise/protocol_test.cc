#include "noise/protocol.h"

#include <gtest/gtest.h>

namespace cloister::noise {
namespace {

TEST(Protocol, ParsesProductSuite) {
  auto protocol = parse_protocol_name("Noise_XX_25519_AESGCM_SHA256");
  ASSERT_TRUE(protocol.ok());
  EXPECT_EQ(protocol->cipher, CipherFunction::kAesGcm);
  EXPECT_EQ(protocol->hash, HashFunction::kSha256);
  ASSERT_EQ(protocol->pattern.messages.size(), 3u);
  EXPECT_TRUE(protocol->pattern.messages[0].from_initiator);
  EXPECT_FALSE(protocol->pattern.messages[1].from_initiator);
  EXPECT_EQ(protocol->pattern.messages[1].tokens,
            (std::vector<Token>{Token::kE, Token::kEe, Token::kS, Token::kEs}));
  EXPECT_FALSE(protocol->pattern.one_way);
}

TEST(Protocol, PlacesPskTokensPerModifier) {
  auto psk0 = handshake_pattern("NNpsk0");
  ASSERT_TRUE(psk0.ok());
  EXPECT_EQ(psk0->messages[0].tokens, (std::vector<Token>{Token::kPsk, Token::kE}));
  auto psk2 = handshake_pattern("NNpsk0+psk2");
  ASSERT_TRUE(psk2.ok());
  EXPECT_EQ(psk2->psk_count, 2u);
  EXPECT_EQ(psk2->messages[1].tokens.back(), Token::kPsk);
}

TEST(Protocol, MarksOneWayPatterns) {
  EXPECT_TRUE(handshake_pattern("N")->one_way);
  EXPECT_TRUE(handshake_pattern("Kpsk0")->one_way);
  EXPECT_FALSE(handshake_pattern("NK1")->one_way);
}

TEST(Protocol, RejectsUnsupportedParts) {
  EXPECT_EQ(parse_protocol_name("Noise_XX_448_AESGCM_SHA256").error().code(),
            ErrorCode::kUnsupported);
  EXPECT_EQ(parse_protocol_name("Noise_XX_25519_AESOCB_SHA256").error().code(),
            ErrorCode::kUnsupported);
  EXPECT_EQ(parse_protocol_name("Noise_XXfallback_25519_AESGCM_SHA256").error().code(),
            ErrorCode::kUnsupported);
  EXPECT_EQ(parse_protocol_name("Noise_XXpsk9_25519_AESGCM_SHA256").error().code(),
            ErrorCode::kUnsupported);
  EXPECT_EQ(parse_protocol_name("Noise_YY_25519_AESGCM_SHA256").error().code(),
            ErrorCode::kUnsupported);
  EXPECT_EQ(parse_protocol_name("Noise_XX_25519_AESGCM").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(parse_protocol_name("Noise_XXps_25519_AESGCM_SHA256").error().code(),
            ErrorCode::kUnsupported);
}

TEST(Protocol, HashLengths) {
  EXPECT_EQ(hash_length(HashFunction::kSha256), 32u);
  EXPECT_EQ(hash_length(HashFunction::kBlake2s), 32u);
  EXPECT_EQ(hash_length(HashFunction::kSha512), 64u);
  EXPECT_EQ(hash_length(HashFunction::kBlake2b), 64u);
}

}  // namespace
}  // namespace cloister::noise
