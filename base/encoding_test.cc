#include "base/encoding.h"

#include <gtest/gtest.h>

namespace cloister {
namespace {

// RFC 4648 section 10 test vectors.
struct Rfc4648Case {
  const char* input;
  const char* base64;
  const char* hex;
};
constexpr Rfc4648Case kRfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "66"},
    {"fo", "Zm8=", "666f"},
    {"foo", "Zm9v", "666f6f"},
    {"foob", "Zm9vYg==", "666f6f62"},
    {"fooba", "Zm9vYmE=", "666f6f6261"},
    {"foobar", "Zm9vYmFy", "666f6f626172"},
};

TEST(Encoding, MatchesRfc4648Vectors) {
  for (const auto& c : kRfc4648) {
    EXPECT_EQ(base64_encode(as_bytes(c.input)), c.base64);
    EXPECT_EQ(hex_encode(as_bytes(c.input)), c.hex);
    auto b = base64_decode(c.base64);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(to_string(*b), c.input);
    auto h = hex_decode(c.hex);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(to_string(*h), c.input);
  }
}

TEST(Encoding, HexAcceptsUpperCaseAndRejectsJunk) {
  EXPECT_EQ(*hex_decode("DEADbeef"), (Bytes{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_FALSE(hex_decode("abc").ok());
  EXPECT_FALSE(hex_decode("zz").ok());
}

TEST(Encoding, Base64RejectsMalformedInput) {
  EXPECT_FALSE(base64_decode("Zg=").ok());       // bad length
  EXPECT_FALSE(base64_decode("Zh==").ok());      // non-zero trailing bits
  EXPECT_FALSE(base64_decode("Z===").ok());      // too much padding
  EXPECT_FALSE(base64_decode("Zm9v!A==").ok());  // bad character
  EXPECT_FALSE(base64_decode("Zg==Zg==").ok());  // padding in the middle
}

TEST(Encoding, Base64UrlUsesUrlAlphabetWithoutPadding) {
  const Bytes data = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64_encode(data), "+/+/");
  EXPECT_EQ(base64url_encode(data), "-_-_");
  EXPECT_EQ(base64url_encode(as_bytes("f")), "Zg");
  EXPECT_EQ(*base64url_decode("-_-_"), data);
  EXPECT_FALSE(base64url_decode("Zg==").ok());
}

}  // namespace
}  // namespace cloister
