#include "host/accounts.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/curve25519.h"
#include "host/store/sqlite_store.h"
#include "net/testing/net_test_util.h"

namespace cloister::host {
namespace {

using namespace std::chrono_literals;

class AccountServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = open_sqlite_store({dir_.path() / "accounts.db"});
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    ASSERT_TRUE(store_->migrate().ok());
    AuthConfig config;
    config.origin = "https://cloister.example";
    config.token_ttl = 600s;
    config.challenge_ttl = 60s;
    service_ = std::make_unique<AccountService>(*store_, config, clock_);
  }

  crypto::Ed25519Signature answer(const crypto::Ed25519KeyPair& key, ByteSpan challenge,
                                  std::string_view origin = "https://cloister.example") {
    return crypto::ed25519_sign(key.seed,
                                AccountService::sign_in_message(origin, challenge, key.public_key));
  }

  net::testing::TempDir dir_;
  FixedClock clock_{from_unix_seconds(1'700'000'000)};
  std::unique_ptr<Store> store_;
  std::unique_ptr<AccountService> service_;
  crypto::Ed25519KeyPair alice_ = crypto::ed25519_generate();
};

TEST_F(AccountServiceTest, SignsInWithAValidSignature) {
  auto challenge = service_->issue_challenge(alice_.public_key);
  ASSERT_TRUE(challenge.ok());
  EXPECT_EQ(challenge->challenge.size(), kChallengeBytes);
  auto token = service_->sign_in(alice_.public_key, challenge->challenge,
                                 answer(alice_, challenge->challenge));
  ASSERT_TRUE(token.ok()) << token.error().message();
  EXPECT_EQ(token->token.size(), 43u);
  auto account = service_->authenticate(token->token);
  ASSERT_TRUE(account.ok());
  EXPECT_EQ(*account, alice_.public_key);
  // The token itself is never stored, only its hash.
  EXPECT_EQ(store_->find_token(*base64url_decode(token->token), clock_.now()).error().code(),
            ErrorCode::kNotFound);
}

TEST_F(AccountServiceTest, RefusesReplayedChallenges) {
  auto challenge = service_->issue_challenge(alice_.public_key);
  auto signature = answer(alice_, challenge->challenge);
  ASSERT_TRUE(service_->sign_in(alice_.public_key, challenge->challenge, signature).ok());
  auto replay = service_->sign_in(alice_.public_key, challenge->challenge, signature);
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error().code(), ErrorCode::kRejected);
}

TEST_F(AccountServiceTest, BurnsTheChallengeEvenOnABadSignature) {
  auto challenge = service_->issue_challenge(alice_.public_key);
  auto bad = answer(alice_, challenge->challenge);
  bad[0] ^= 1;
  EXPECT_FALSE(service_->sign_in(alice_.public_key, challenge->challenge, bad).ok());
  EXPECT_FALSE(
      service_
          ->sign_in(alice_.public_key, challenge->challenge, answer(alice_, challenge->challenge))
          .ok());
}

TEST_F(AccountServiceTest, RefusesSignaturesMadeForAnotherOrigin) {
  auto challenge = service_->issue_challenge(alice_.public_key);
  auto signed_elsewhere = answer(alice_, challenge->challenge, "https://evil.example");
  auto result = service_->sign_in(alice_.public_key, challenge->challenge, signed_elsewhere);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("signature"), std::string::npos);
}

TEST_F(AccountServiceTest, RefusesChallengesIssuedToAnotherKey) {
  auto mallory = crypto::ed25519_generate();
  auto challenge = service_->issue_challenge(alice_.public_key);
  auto result = service_->sign_in(mallory.public_key, challenge->challenge,
                                  answer(mallory, challenge->challenge));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("different public key"), std::string::npos);
}

TEST_F(AccountServiceTest, RefusesExpiredChallengesAndTokens) {
  auto challenge = service_->issue_challenge(alice_.public_key);
  clock_.advance(61s);
  EXPECT_FALSE(
      service_
          ->sign_in(alice_.public_key, challenge->challenge, answer(alice_, challenge->challenge))
          .ok());
  auto fresh = service_->issue_challenge(alice_.public_key);
  auto token =
      service_->sign_in(alice_.public_key, fresh->challenge, answer(alice_, fresh->challenge));
  ASSERT_TRUE(token.ok());
  clock_.advance(599s);
  EXPECT_TRUE(service_->authenticate(token->token).ok());
  clock_.advance(2s);
  EXPECT_EQ(service_->authenticate(token->token).error().code(), ErrorCode::kRejected);
}

TEST_F(AccountServiceTest, SignOutRevokesTheToken) {
  auto challenge = service_->issue_challenge(alice_.public_key);
  auto token = service_->sign_in(alice_.public_key, challenge->challenge,
                                 answer(alice_, challenge->challenge));
  ASSERT_TRUE(service_->sign_out(token->token).ok());
  EXPECT_FALSE(service_->authenticate(token->token).ok());
}

TEST_F(AccountServiceTest, RejectsMalformedInput) {
  EXPECT_EQ(service_->authenticate("not base64url!").error().code(), ErrorCode::kRejected);
  EXPECT_EQ(service_->authenticate(base64url_encode(Bytes(16))).error().code(),
            ErrorCode::kRejected);
  EXPECT_EQ(service_->issue_challenge(Bytes(31)).error().code(), ErrorCode::kInvalidArgument);
}

TEST(SignInMessage, HasTheDocumentedLayout) {
  Bytes challenge(32, 0xcc);
  Bytes key(32, 0x11);
  std::string expected = std::string("cloister-host/sign-in/v1") + '\0' + '\0' + '\x05' + "a.org" +
                         std::string(32, '\xcc') + std::string(32, '\x11');
  EXPECT_EQ(AccountService::sign_in_message("a.org", challenge, key), to_bytes(expected));
}

}  // namespace
}  // namespace cloister::host
