#include "noise/handshake_state.h"

#include <gtest/gtest.h>

namespace cloister::noise {
namespace {

Protocol xx() { return *parse_protocol_name("Noise_XX_25519_AESGCM_SHA256"); }

HandshakeConfig config(Role role, const crypto::X25519KeyPair& static_key) {
  HandshakeConfig config;
  config.protocol = xx();
  config.role = role;
  config.prologue = to_bytes("test prologue");
  config.local_static = *crypto::x25519_from_private(static_key.private_key.span());
  return config;
}

struct Pair {
  HandshakeState initiator;
  HandshakeState responder;
};

class XxHandshake : public ::testing::Test {
 protected:
  Pair start() {
    return {*HandshakeState::create(config(Role::kInitiator, client_)),
            *HandshakeState::create(config(Role::kResponder, server_))};
  }

  // Runs the three messages and returns both transport states.
  std::pair<TransportState, TransportState> complete(Pair& pair) {
    Bytes m1 = *pair.initiator.write_message(as_bytes("one"));
    EXPECT_EQ(*pair.responder.read_message(m1), to_bytes("one"));
    Bytes m2 = *pair.responder.write_message(as_bytes("two"));
    EXPECT_EQ(*pair.initiator.read_message(m2), to_bytes("two"));
    Bytes m3 = *pair.initiator.write_message(as_bytes("three"));
    EXPECT_EQ(*pair.responder.read_message(m3), to_bytes("three"));
    return {*pair.initiator.into_transport(), *pair.responder.into_transport()};
  }

  crypto::X25519KeyPair client_ = crypto::x25519_generate();
  crypto::X25519KeyPair server_ = crypto::x25519_generate();
};

TEST_F(XxHandshake, CompletesAndLearnsStaticKeys) {
  Pair pair = start();
  EXPECT_EQ(pair.initiator.stage(), HandshakeStage::kWriteMessage);
  EXPECT_EQ(pair.responder.stage(), HandshakeStage::kReadMessage);
  auto [client, server] = complete(pair);
  EXPECT_EQ(to_bytes(client.handshake_hash()), to_bytes(server.handshake_hash()));
  EXPECT_EQ(*client.remote_static(), server_.public_key);
  EXPECT_EQ(*server.remote_static(), client_.public_key);
  Bytes message = *client.write_message(as_bytes("request"));
  EXPECT_EQ(*server.read_message(message), to_bytes("request"));
  Bytes reply = *server.write_message(as_bytes("response"));
  EXPECT_EQ(*client.read_message(reply), to_bytes("response"));
}

// The payload of message 2 travels encrypted: its bytes do not appear in clear.
TEST_F(XxHandshake, EncryptsSecondPayload) {
  Pair pair = start();
  Bytes m1 = *pair.initiator.write_message({});
  ASSERT_TRUE(pair.responder.read_message(m1).ok());
  std::string secret = "evidence-bundle-marker";
  Bytes m2 = *pair.responder.write_message(as_bytes(secret));
  EXPECT_EQ(to_string(m2).find(secret), std::string::npos);
  EXPECT_EQ(m2.size(), 32 + 48 + secret.size() + 16);
}

TEST_F(XxHandshake, FailsForGoodOnTamperedMessage) {
  Pair pair = start();
  Bytes m1 = *pair.initiator.write_message({});
  ASSERT_TRUE(pair.responder.read_message(m1).ok());
  Bytes m2 = *pair.responder.write_message(as_bytes("evidence"));
  m2[40] ^= 0x80;  // inside the encrypted static key
  auto read = pair.initiator.read_message(m2);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), ErrorCode::kRejected);
  EXPECT_EQ(pair.initiator.stage(), HandshakeStage::kFailed);
  EXPECT_FALSE(pair.initiator.write_message({}).ok());
  EXPECT_FALSE(pair.initiator.into_transport().ok());
}

// Changing the cleartext first message changes h, so message 2 no longer opens.
TEST_F(XxHandshake, DetectsAlteredFirstPayload) {
  Pair pair = start();
  Bytes m1 = *pair.initiator.write_message(as_bytes("versions: 1"));
  m1.back() ^= 1;
  ASSERT_TRUE(pair.responder.read_message(m1).ok());
  Bytes m2 = *pair.responder.write_message({});
  EXPECT_EQ(pair.initiator.read_message(m2).error().code(), ErrorCode::kRejected);
}

TEST_F(XxHandshake, RejectsTruncatedAndOversizedMessages) {
  Pair pair = start();
  Bytes m1 = *pair.initiator.write_message({});
  Bytes truncated(m1.begin(), m1.begin() + 31);
  EXPECT_EQ(pair.responder.read_message(truncated).error().code(), ErrorCode::kMalformed);

  Pair fresh = start();
  EXPECT_EQ(fresh.responder.read_message(Bytes(kMaxMessageSize + 1)).error().code(),
            ErrorCode::kMalformed);
  Pair big = start();
  EXPECT_FALSE(big.initiator.write_message(Bytes(kMaxMessageSize - 31)).ok());
  EXPECT_EQ(big.initiator.stage(), HandshakeStage::kFailed);
}

TEST_F(XxHandshake, RejectsOutOfTurnCalls) {
  Pair pair = start();
  EXPECT_EQ(pair.responder.write_message({}).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(pair.responder.stage(), HandshakeStage::kFailed);
  EXPECT_EQ(pair.initiator.read_message(Bytes(32)).error().code(), ErrorCode::kFailedPrecondition);
}

// An all-zero (small-order) ephemeral key gives an all-zero DH output.
TEST_F(XxHandshake, RejectsSmallOrderEphemeral) {
  Pair pair = start();
  ASSERT_TRUE(pair.responder.read_message(Bytes(32, 0)).ok());  // "e" alone has no DH
  EXPECT_EQ(pair.responder.write_message({}).error().code(), ErrorCode::kRejected);
}

TEST_F(XxHandshake, TransportFailsOnTamperReplayAndReorder) {
  Pair pair = start();
  auto [client, server] = complete(pair);
  Bytes first = *client.write_message(as_bytes("first"));
  Bytes second = *client.write_message(as_bytes("second"));

  Bytes tampered = first;
  tampered[2] ^= 4;
  EXPECT_EQ(server.read_message(tampered).error().code(), ErrorCode::kRejected);
  EXPECT_TRUE(server.failed());
  EXPECT_FALSE(server.read_message(first).ok());  // a failed transport stays failed
  // It can still say goodbye, and the client can read that.
  Bytes goodbye = *server.write_message(as_bytes("bye"));
  EXPECT_EQ(*client.read_message(goodbye), to_bytes("bye"));

  Pair pair2 = start();
  auto [client2, server2] = complete(pair2);
  Bytes a = *client2.write_message(as_bytes("a"));
  Bytes b = *client2.write_message(as_bytes("b"));
  ASSERT_TRUE(server2.read_message(a).ok());
  EXPECT_EQ(server2.read_message(a).error().code(), ErrorCode::kRejected);  // replay

  Pair pair3 = start();
  auto [client3, server3] = complete(pair3);
  Bytes c = *client3.write_message(as_bytes("c"));
  Bytes d = *client3.write_message(as_bytes("d"));
  EXPECT_EQ(server3.read_message(d).error().code(), ErrorCode::kRejected);  // reordered
  (void)second;
  (void)b;
  (void)c;
}

TEST_F(XxHandshake, RekeyKeepsBothSidesInStep) {
  Pair pair = start();
  auto [client, server] = complete(pair);
  client.rekey_send();
  Bytes message = *client.write_message(as_bytes("after rekey"));
  Bytes copy = message;
  EXPECT_FALSE(server.read_message(copy).ok());  // the server has not rekeyed

  Pair pair2 = start();
  auto [client2, server2] = complete(pair2);
  client2.rekey_send();
  server2.rekey_receive();
  Bytes message2 = *client2.write_message(as_bytes("after rekey"));
  EXPECT_EQ(*server2.read_message(message2), to_bytes("after rekey"));
  EXPECT_EQ(client2.send_nonce(), 1u);
  EXPECT_EQ(server2.receive_nonce(), 1u);
}

TEST_F(XxHandshake, RejectsOversizedTransportPayload) {
  Pair pair = start();
  auto [client, server] = complete(pair);
  EXPECT_EQ(client.write_message(Bytes(kMaxMessageSize - kTagSize + 1)).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(client.write_message(Bytes(kMaxMessageSize - kTagSize)).ok());
  EXPECT_EQ(server.read_message(Bytes(kMaxMessageSize + 1)).error().code(), ErrorCode::kMalformed);
}

TEST(HandshakeConfig, RequiresTheKeysThePatternNeeds) {
  HandshakeConfig missing_static;
  missing_static.protocol = xx();
  missing_static.role = Role::kResponder;
  EXPECT_EQ(HandshakeState::create(std::move(missing_static)).error().code(),
            ErrorCode::kInvalidArgument);

  HandshakeConfig missing_remote;
  missing_remote.protocol = *parse_protocol_name("Noise_NK_25519_ChaChaPoly_SHA256");
  missing_remote.role = Role::kInitiator;
  EXPECT_EQ(HandshakeState::create(std::move(missing_remote)).error().code(),
            ErrorCode::kInvalidArgument);

  HandshakeConfig missing_psk;
  missing_psk.protocol = *parse_protocol_name("Noise_NNpsk0_25519_ChaChaPoly_SHA256");
  EXPECT_EQ(HandshakeState::create(std::move(missing_psk)).error().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cloister::noise
