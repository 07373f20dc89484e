#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cloister::crypto {
namespace {

Bytes h(std::string_view hex) { return *hex_decode(hex); }

// FIPS 180-2 appendix examples: the digests of "abc".
TEST(Hash, MatchesFips180AbcVectors) {
  EXPECT_EQ(hex_encode(sha256(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_encode(sha384(as_bytes("abc"))),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7");
  EXPECT_EQ(hex_encode(sha512(as_bytes("abc"))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

// RFC 7693 appendices A and B: the digests of "abc".
TEST(Hash, MatchesRfc7693Blake2AbcVectors) {
  EXPECT_EQ(hex_encode(digest(HashAlgorithm::kBlake2b512, as_bytes("abc"))),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
  EXPECT_EQ(hex_encode(digest(HashAlgorithm::kBlake2s256, as_bytes("abc"))),
            "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
  EXPECT_EQ(digest_size(HashAlgorithm::kBlake2b512), 64u);
  EXPECT_EQ(digest_size(HashAlgorithm::kBlake2s256), 32u);
}

TEST(Hash, IncrementalEqualsOneShot) {
  Hasher hasher(HashAlgorithm::kSha256);
  hasher.update(as_bytes("a")).update(as_bytes("")).update(as_bytes("bc"));
  auto one_shot = sha256(as_bytes("abc"));
  EXPECT_EQ(hasher.finish(), Bytes(one_shot.begin(), one_shot.end()));
}

// RFC 4231 test case 1.
TEST(Hash, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(hex_encode(hmac(HashAlgorithm::kSha256, Bytes(20, 0x0b), as_bytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

// RFC 5869 appendix A.1.
TEST(Hash, HkdfSha256MatchesRfc5869) {
  SecretBytes okm = hkdf(HashAlgorithm::kSha256, Bytes(22, 0x0b), h("000102030405060708090a0b0c"),
                         h("f0f1f2f3f4f5f6f7f8f9"), 42);
  EXPECT_EQ(hex_encode(okm.span()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
            "34007208d5b887185865");
}

// RFC 5869 appendix A.3: zero-length salt and info.
TEST(Hash, HkdfAcceptsEmptySaltAndInfo) {
  SecretBytes okm = hkdf(HashAlgorithm::kSha256, Bytes(22, 0x0b), {}, {}, 42);
  EXPECT_EQ(hex_encode(okm.span()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
            "9d201395faa4b61a96c8");
}

}  // namespace
}  // namespace cloister::crypto
