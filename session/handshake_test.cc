#include <gtest/gtest.h>

#include "session/handshake_payloads.h"
#include "session/initiator.h"
#include "session/responder.h"
#include "session/test_support.h"

namespace cloister::session {
namespace {

using testing::client_config;
using testing::Enclave;

class HandshakeTest : public ::testing::Test {
 protected:
  Nonce nonce() const {
    Nonce value{};
    value.fill(0x77);
    return value;
  }

  FixedClock clock_{from_unix_seconds(1'700'000'000)};
  Enclave enclave_;
};

TEST_F(HandshakeTest, EstablishesABoundSession) {
  auto initiator = *Initiator::create(client_config(nonce()), clock_);
  auto responder = *Responder::create(enclave_.config(), clock_);
  Bytes m1 = *initiator.start();
  auto m2 = responder.respond(m1);
  ASSERT_TRUE(m2.ok()) << m2.error().message();
  auto established = initiator.finish(*m2);
  ASSERT_TRUE(established.ok()) << established.error().message();
  auto channel = responder.finish(established->message3);
  ASSERT_TRUE(channel.ok()) << channel.error().message();

  const SessionInfo& client = established->channel.info();
  const SessionInfo& server = channel->info();
  EXPECT_EQ(client.version, kVersion1);
  EXPECT_EQ(client.handshake_hash, server.handshake_hash);
  EXPECT_EQ(client.remote_static_key, enclave_.static_key->public_key);
  EXPECT_EQ(client.report_data, server.report_data);
  EXPECT_EQ(*client.nonce, nonce());
  ASSERT_TRUE(client.evidence);
  EXPECT_EQ(client.evidence->receipt_public_key, enclave_.receipt_key.public_key);
  EXPECT_EQ(client.report_data,
            compute_report_data(enclave_.static_key->public_key, enclave_.receipt_key.public_key,
                                manifest_digest(client.evidence->manifest), nonce()));
  EXPECT_EQ(initiator.stage(), InitiatorStage::kEstablished);
  EXPECT_EQ(responder.stage(), ResponderStage::kEstablished);
}

// The producer binds its evidence to a different key than the one that
// answers the handshake: a relayed or replayed report.
TEST_F(HandshakeTest, AbortsBeforeMessage3WhenBindingDoesNotMatch) {
  auto config = enclave_.config();
  auto other_key = testing::x25519_key(0x99);
  config.produce_evidence =
      testing::honest_producer(other_key.public_key, enclave_.receipt_key.public_key);
  auto initiator = *Initiator::create(client_config(nonce()), clock_);
  auto responder = *Responder::create(std::move(config), clock_);
  auto established = initiator.finish(*responder.respond(*initiator.start()));
  ASSERT_FALSE(established.ok());
  EXPECT_EQ(established.error().code(), ErrorCode::kRejected);
  EXPECT_NE(established.error().message().find("REPORT_DATA"), std::string::npos);
  EXPECT_EQ(initiator.stage(), InitiatorStage::kFailed);
}

// Evidence bound to no nonce (or an old one) does not satisfy a fresh nonce.
TEST_F(HandshakeTest, AbortsWhenEvidenceIgnoresTheNonce) {
  auto config = enclave_.config();
  auto honest = config.produce_evidence;
  config.produce_evidence = [honest](const std::optional<Nonce>&) { return honest(std::nullopt); };
  auto initiator = *Initiator::create(client_config(nonce()), clock_);
  auto responder = *Responder::create(std::move(config), clock_);
  auto established = initiator.finish(*responder.respond(*initiator.start()));
  ASSERT_FALSE(established.ok());
  EXPECT_EQ(established.error().code(), ErrorCode::kRejected);
}

TEST_F(HandshakeTest, RefusesUnknownVersionWithAReason) {
  auto config = client_config();
  config.versions = {7};
  auto initiator = *Initiator::create(std::move(config), clock_);
  auto responder = *Responder::create(enclave_.config(), clock_);
  auto m2 = responder.respond(*initiator.start());
  ASSERT_FALSE(m2.ok());
  EXPECT_EQ(m2.error().code(), ErrorCode::kUnsupported);
  auto farewell = responder.take_farewell();
  ASSERT_TRUE(farewell);
  auto established = initiator.finish(*farewell);
  ASSERT_FALSE(established.ok());
  EXPECT_EQ(established.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(established.error().message().find("speaks versions 1; offered 7"), std::string::npos)
      << established.error().message();
}

TEST_F(HandshakeTest, PicksTheHighestCommonVersion) {
  auto config = client_config();
  config.versions = {1, 2, 5};
  auto server_config = enclave_.config();
  server_config.versions = {1, 2, 3};
  auto initiator = *Initiator::create(std::move(config), clock_);
  auto responder = *Responder::create(std::move(server_config), clock_);
  auto established = initiator.finish(*responder.respond(*initiator.start()));
  ASSERT_TRUE(established.ok());
  EXPECT_EQ(established->channel.info().version, 2);
}

TEST_F(HandshakeTest, RefusesMalformedClientHello) {
  auto responder = *Responder::create(enclave_.config(), clock_);
  ByteWriter m1;
  m1.put_zeros(31);
  m1.put_u8(9);                        // an ephemeral key...
  m1.put_bytes(Bytes{1, 1, 0, 1, 5});  // ...and a nonce flag of 5
  auto m2 = responder.respond(m1.data());
  ASSERT_FALSE(m2.ok());
  EXPECT_EQ(m2.error().code(), ErrorCode::kMalformed);
  EXPECT_TRUE(responder.take_farewell());  // a ServerReject explains it
  EXPECT_EQ(responder.stage(), ResponderStage::kFailed);
}

TEST_F(HandshakeTest, RefusesWhenEvidenceIsUnavailable) {
  auto config = enclave_.config();
  config.produce_evidence = [](const std::optional<Nonce>&) -> Result<EvidenceBundle> {
    return Error(ErrorCode::kIo, "configfs-tsm is missing");
  };
  auto initiator = *Initiator::create(client_config(), clock_);
  auto responder = *Responder::create(std::move(config), clock_);
  EXPECT_FALSE(responder.respond(*initiator.start()).ok());
  auto established = initiator.finish(*responder.take_farewell());
  ASSERT_FALSE(established.ok());
  EXPECT_EQ(established.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(established.error().message().find("configfs-tsm"), std::string::npos);
}

TEST_F(HandshakeTest, RefusesEvidenceTooLargeForMessage2) {
  auto config = enclave_.config();
  auto honest = config.produce_evidence;
  config.produce_evidence = [honest](const std::optional<Nonce>& nonce) {
    auto bundle = honest(nonce);
    bundle->gpu_evidence.assign(noise::kMaxMessageSize, 1);
    return bundle;
  };
  auto initiator = *Initiator::create(client_config(), clock_);
  auto responder = *Responder::create(std::move(config), clock_);
  auto m2 = responder.respond(*initiator.start());
  ASSERT_FALSE(m2.ok());
  EXPECT_NE(m2.error().message().find("does not fit"), std::string::npos);
  EXPECT_EQ(initiator.finish(*responder.take_farewell()).error().code(), ErrorCode::kInternal);
}

TEST_F(HandshakeTest, FailsOnTamperedMessage2) {
  auto initiator = *Initiator::create(client_config(), clock_);
  auto responder = *Responder::create(enclave_.config(), clock_);
  Bytes m2 = *responder.respond(*initiator.start());
  m2[m2.size() / 2] ^= 1;
  EXPECT_EQ(initiator.finish(m2).error().code(), ErrorCode::kRejected);
}

TEST_F(HandshakeTest, FailsOnReplayedMessages) {
  auto initiator = *Initiator::create(client_config(), clock_);
  auto responder = *Responder::create(enclave_.config(), clock_);
  Bytes m1 = *initiator.start();
  Bytes m2 = *responder.respond(m1);
  EXPECT_EQ(responder.respond(m1).error().code(), ErrorCode::kFailedPrecondition);
  auto established = initiator.finish(m2);
  ASSERT_TRUE(established.ok());
  auto channel = responder.finish(established->message3);
  ASSERT_TRUE(channel.ok());
  // Message 3 replayed into the established session is not a transport message.
  auto replayed = channel->receive(established->message3);
  EXPECT_FALSE(replayed.ok());
  EXPECT_TRUE(channel->closed());

  // Message 1 replayed to a fresh responder gives a new session the replayer cannot finish.
  auto other = *Responder::create(enclave_.config(), clock_);
  Bytes other_m2 = *other.respond(m1);
  EXPECT_NE(other_m2, m2);
}

TEST_F(HandshakeTest, StalledHandshakeHitsTheDeadline) {
  auto initiator = *Initiator::create(client_config(), clock_);
  auto responder = *Responder::create(enclave_.config(), clock_);
  Bytes m1 = *initiator.start();
  Bytes m2 = *responder.respond(m1);
  clock_.advance(std::chrono::seconds(29));
  EXPECT_TRUE(responder.check_deadline().ok());
  clock_.advance(std::chrono::seconds(1));
  EXPECT_EQ(responder.check_deadline().error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(responder.stage(), ResponderStage::kFailed);
  EXPECT_EQ(initiator.finish(m2).error().code(), ErrorCode::kDeadlineExceeded);
}

TEST_F(HandshakeTest, ResponderEnforcesAuthorization) {
  auto config = enclave_.config();
  config.authorize = [](ByteSpan token, const crypto::X25519PublicKey&) -> Status {
    if (to_string(token) == "valid") return ok_status();
    return Error(ErrorCode::kPermissionDenied, "token is not valid");
  };
  auto client = client_config();
  client.authorization_token = to_bytes("forged");
  auto initiator = *Initiator::create(std::move(client), clock_);
  auto responder = *Responder::create(std::move(config), clock_);
  auto established = initiator.finish(*responder.respond(*initiator.start()));
  ASSERT_TRUE(established.ok());
  auto channel = responder.finish(established->message3);
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.error().code(), ErrorCode::kPermissionDenied);
  auto farewell = responder.take_farewell();
  ASSERT_TRUE(farewell);
  auto told = established->channel.receive(*farewell);
  ASSERT_FALSE(told.ok());
  EXPECT_EQ(told.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(told.error().message().find("token is not valid"), std::string::npos);
}

TEST_F(HandshakeTest, PassesTokenAndClientKeyToTheEnclave) {
  auto client = client_config();
  client.authorization_token = to_bytes("tok");
  client.static_key = testing::x25519_key(0x33);
  auto initiator = *Initiator::create(std::move(client), clock_);
  auto responder = *Responder::create(enclave_.config(), clock_);
  auto established = initiator.finish(*responder.respond(*initiator.start()));
  auto channel = responder.finish(established->message3);
  ASSERT_TRUE(channel.ok());
  EXPECT_EQ(channel->info().authorization_token, to_bytes("tok"));
  EXPECT_EQ(channel->info().remote_static_key, testing::x25519_key(0x33).public_key);
}

TEST_F(HandshakeTest, UsesAFreshClientKeyPerSessionByDefault) {
  auto run = [&]() {
    auto initiator = *Initiator::create(client_config(), clock_);
    auto responder = *Responder::create(enclave_.config(), clock_);
    auto established = initiator.finish(*responder.respond(*initiator.start()));
    return responder.finish(established->message3)->info().remote_static_key;
  };
  EXPECT_NE(run(), run());
}

TEST_F(HandshakeTest, ValidatesConfiguration) {
  InitiatorConfig no_verifier;
  EXPECT_EQ(Initiator::create(std::move(no_verifier), clock_).error().code(),
            ErrorCode::kInvalidArgument);
  auto bad_versions = client_config();
  bad_versions.versions = {2, 1};
  EXPECT_FALSE(Initiator::create(std::move(bad_versions), clock_).ok());
  auto long_token = client_config();
  long_token.authorization_token.resize(kMaxAuthorizationTokenSize + 1);
  EXPECT_FALSE(Initiator::create(std::move(long_token), clock_).ok());
  ResponderConfig no_key;
  EXPECT_FALSE(Responder::create(std::move(no_key), clock_).ok());
}

}  // namespace
}  // namespace cloister::session
