#include "crypto/argon2.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cloister::crypto {
namespace {

// RFC 9106 section 5.3: the Argon2id test vector (with secret and associated data).
TEST(Argon2, MatchesRfc9106Argon2idVector) {
  auto tag = argon2id(Bytes(32, 0x01), Bytes(16, 0x02), Argon2Params{3, 32, 4}, 32, Bytes(8, 0x03),
                      Bytes(12, 0x04));
  ASSERT_TRUE(tag.ok()) << tag.error().message();
  EXPECT_EQ(hex_encode(tag->span()),
            "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
}

TEST(Argon2, DifferentSaltsGiveDifferentKeys) {
  Argon2Params cheap{1, 64, 1};
  auto a = argon2id(as_bytes("correct horse"), Bytes(16, 1), cheap, 32);
  auto b = argon2id(as_bytes("correct horse"), Bytes(16, 2), cheap, 32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->equals(b->span()));
}

TEST(Argon2, RejectsShortSalt) {
  auto result = argon2id(as_bytes("pw"), Bytes(4, 0), Argon2Params{1, 64, 1}, 32);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cloister::crypto
