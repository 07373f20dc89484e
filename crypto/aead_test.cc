#include "crypto/aead.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cloister::crypto {
namespace {

Bytes h(std::string_view hex) { return *hex_decode(hex); }

AeadNonce nonce_from(std::string_view hex) {
  AeadNonce nonce{};
  Bytes raw = h(hex);
  std::copy(raw.begin(), raw.end(), nonce.begin());
  return nonce;
}

// McGrew & Viega, "The Galois/Counter Mode of Operation", test case 14.
TEST(Aead, Aes256GcmMatchesGcmSpecTestCase14) {
  AeadKey key(AeadAlgorithm::kAes256Gcm, Bytes(32, 0));
  Bytes sealed = key.seal(AeadNonce{}, {}, Bytes(16, 0));
  EXPECT_EQ(hex_encode(sealed),
            "cea7403d4d606b6e074ec5d3baf39d18"
            "d0d1c8a799996bf0265b98b5d48ab919");
  auto opened = key.open(AeadNonce{}, {}, sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, Bytes(16, 0));
}

// RFC 8439 section 2.8.2.
TEST(Aead, ChaCha20Poly1305MatchesRfc8439) {
  AeadKey key(AeadAlgorithm::kChaCha20Poly1305,
              h("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"));
  const std::string plaintext =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
      "future, sunscreen would be it.";
  Bytes sealed = key.seal(nonce_from("070000004041424344454647"), h("50515253c0c1c2c3c4c5c6c7"),
                          as_bytes(plaintext));
  EXPECT_EQ(hex_encode(sealed),
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
            "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
            "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
            "3ff4def08e4b7a9de576d26586cec64b6116"
            "1ae10b594f09e26a7e902ecbd0600691");
}

TEST(Aead, RejectsTamperedCiphertextTagOrAssociatedData) {
  for (auto algorithm : {AeadAlgorithm::kAes256Gcm, AeadAlgorithm::kChaCha20Poly1305}) {
    AeadKey key(algorithm, Bytes(32, 7));
    AeadNonce nonce{};
    nonce[11] = 1;
    Bytes sealed = key.seal(nonce, as_bytes("ad"), as_bytes("secret message"));
    ASSERT_TRUE(key.open(nonce, as_bytes("ad"), sealed).ok());
    for (size_t i : {size_t{0}, sealed.size() - 1}) {
      Bytes tampered = sealed;
      tampered[i] ^= 1;
      auto result = key.open(nonce, as_bytes("ad"), tampered);
      ASSERT_FALSE(result.ok());
      EXPECT_EQ(result.error().code(), ErrorCode::kRejected);
    }
    EXPECT_FALSE(key.open(nonce, as_bytes("AD"), sealed).ok());
    AeadNonce other = nonce;
    other[0] = 9;
    EXPECT_FALSE(key.open(other, as_bytes("ad"), sealed).ok());
    EXPECT_FALSE(key.open(nonce, {}, Bytes(15, 0)).ok());
  }
}

}  // namespace
}  // namespace cloister::crypto
