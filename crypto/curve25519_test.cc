#include "crypto/curve25519.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cloister::crypto {
namespace {

Bytes h(std::string_view hex) { return *hex_decode(hex); }

// RFC 7748 section 6.1.
TEST(Curve25519, X25519MatchesRfc7748) {
  auto alice =
      x25519_from_private(h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  auto bob =
      x25519_from_private(h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));
  ASSERT_TRUE(alice.ok() && bob.ok());
  EXPECT_EQ(hex_encode(alice->public_key),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(hex_encode(bob->public_key),
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  auto ab = x25519_shared_secret(alice->private_key, bob->public_key);
  auto ba = x25519_shared_secret(bob->private_key, alice->public_key);
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_EQ(hex_encode(ab->span()),
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  EXPECT_TRUE(ab->equals(ba->span()));
}

TEST(Curve25519, X25519RejectsSmallOrderPeer) {
  X25519KeyPair own = x25519_generate();
  Bytes zero_point(32, 0);
  auto shared = x25519_shared_secret(own.private_key, zero_point);
  ASSERT_FALSE(shared.ok());
  EXPECT_EQ(shared.error().code(), ErrorCode::kRejected);
}

// RFC 8032 section 7.1, test 1 (empty message).
TEST(Curve25519, Ed25519MatchesRfc8032) {
  auto key =
      ed25519_from_seed(h("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(hex_encode(key->public_key),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  Ed25519Signature signature = ed25519_sign(key->seed, {});
  EXPECT_EQ(hex_encode(signature),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(ed25519_verify(key->public_key, {}, signature));
}

TEST(Curve25519, Ed25519RejectsWrongMessageKeyOrSignature) {
  Ed25519KeyPair key = ed25519_generate();
  Ed25519Signature signature = ed25519_sign(key.seed, as_bytes("release 1"));
  EXPECT_TRUE(ed25519_verify(key.public_key, as_bytes("release 1"), signature));
  EXPECT_FALSE(ed25519_verify(key.public_key, as_bytes("release 2"), signature));
  EXPECT_FALSE(ed25519_verify(ed25519_generate().public_key, as_bytes("release 1"), signature));
  Ed25519Signature flipped = signature;
  flipped[5] ^= 0x40;
  EXPECT_FALSE(ed25519_verify(key.public_key, as_bytes("release 1"), flipped));
  EXPECT_FALSE(ed25519_verify(key.public_key, as_bytes("release 1"), Bytes(63, 0)));
}

}  // namespace
}  // namespace cloister::crypto
