// Receipts: the encoding against a receipt computed independently (Python's
// `cryptography` package, RFC 8032 test key 1), and every way a tampered or
// foreign receipt must fail.
#include "session/receipt.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cloister::session {
namespace {

// RFC 8032, section 7.1, TEST 1.
constexpr std::string_view kSeedHex =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kPublicKeyHex =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

constexpr std::string_view kRequest = R"({"method":"models.list"})";
constexpr std::string_view kResponse = "Once upon a time";
constexpr int64_t kIssuedAtMs = 1700000000123;

// Computed with Python: body = b"CLRC" + b"\x01" + sha256(request) + sha256(response)
// + b"\x11"*32 + b"\x22"*32 + struct.pack(">Q", 1700000000123), then
// Ed25519PrivateKey.from_private_bytes(seed).sign(b"cloister/receipt/v1" + body).
constexpr std::string_view kExpectedReceiptHex =
    "434c5243018178d58cc021ca79fd769114aba94e1f56ca2756fd9180c8e29bef7e9ab2c145e286222c229ec73b"
    "1bc520d88583191572ae0cbbaa66ea68053994a5e50ac87a111111111111111111111111111111111111111111"
    "1111111111111111111111222222222222222222222222222222222222222222222222222222222222222200000"
    "18bcfe5687b2da35406adbdce80fb639bf22fd6138999e2d56353f2532d6ebeebbee40b207fa656acfff6d2c085"
    "ae37c89f377c61294de0f12d4b358b39a7b7b552b17c500b";

crypto::SecretBytes seed() { return crypto::SecretBytes(*hex_decode(kSeedHex)); }

crypto::Ed25519PublicKey public_key() {
  crypto::Ed25519PublicKey key{};
  Bytes bytes = *hex_decode(kPublicKeyHex);
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

ReceiptClaims sample_claims() {
  crypto::Sha256Digest model{};
  model.fill(0x11);
  crypto::Sha256Digest manifest{};
  manifest.fill(0x22);
  return make_receipt_claims(as_bytes(kRequest), as_bytes(kResponse), model, manifest,
                             TimePoint(std::chrono::milliseconds(kIssuedAtMs)));
}

TEST(Receipt, MatchesAnIndependentlyComputedReceipt) {
  auto receipt = sign_receipt(sample_claims(), seed());
  ASSERT_TRUE(receipt.ok()) << receipt.error().message();
  EXPECT_EQ(receipt->size(), kReceiptSize);
  EXPECT_EQ(hex_encode(*receipt), kExpectedReceiptHex);
}

TEST(Receipt, VerifiesAndReturnsItsClaims) {
  Bytes receipt = *hex_decode(kExpectedReceiptHex);
  auto claims = verify_receipt(receipt, public_key());
  ASSERT_TRUE(claims.ok()) << claims.error().message();
  EXPECT_EQ(*claims, sample_claims());
  EXPECT_TRUE(check_receipt_covers(*claims, as_bytes(kRequest), as_bytes(kResponse)).ok());
}

TEST(Receipt, EveryFlippedBitFailsVerification) {
  const Bytes receipt = *hex_decode(kExpectedReceiptHex);
  for (size_t i = 0; i < receipt.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes tampered = receipt;
      tampered[i] ^= static_cast<uint8_t>(1u << bit);
      EXPECT_FALSE(verify_receipt(tampered, public_key()).ok()) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(Receipt, RejectsAnotherEnclavesKey) {
  crypto::Ed25519KeyPair other = crypto::ed25519_generate();
  auto claims = verify_receipt(*hex_decode(kExpectedReceiptHex), other.public_key);
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().code(), ErrorCode::kRejected);
}

TEST(Receipt, RejectsWrongLengthsMagicAndVersion) {
  const Bytes receipt = *hex_decode(kExpectedReceiptHex);
  Bytes truncated(receipt.begin(), receipt.end() - 1);
  EXPECT_EQ(decode_receipt(truncated).error().code(), ErrorCode::kMalformed);
  Bytes extended = receipt;
  extended.push_back(0);
  EXPECT_EQ(decode_receipt(extended).error().code(), ErrorCode::kMalformed);
  Bytes wrong_magic = receipt;
  wrong_magic[0] = 'X';
  EXPECT_EQ(decode_receipt(wrong_magic).error().code(), ErrorCode::kMalformed);
  Bytes version2 = receipt;
  version2[4] = 2;
  EXPECT_EQ(decode_receipt(version2).error().code(), ErrorCode::kUnsupported);
  EXPECT_FALSE(decode_receipt({}).ok());
}

TEST(Receipt, RejectsATimeBeyondTheSignedRange) {
  Bytes receipt = *hex_decode(kExpectedReceiptHex);
  receipt[4 + 1 + 4 * 32] = 0x80;  // the top bit of issued_at_ms
  EXPECT_EQ(decode_receipt(receipt).error().code(), ErrorCode::kMalformed);
  ReceiptClaims negative = sample_claims();
  negative.issued_at_ms = -1;
  EXPECT_EQ(sign_receipt(negative, seed()).error().code(), ErrorCode::kInvalidArgument);
}

TEST(Receipt, CoversOnlyItsOwnRequestAndResponse) {
  ReceiptClaims claims = *verify_receipt(*hex_decode(kExpectedReceiptHex), public_key());
  auto other_request =
      check_receipt_covers(claims, as_bytes(R"({"method":"models.list" })"), as_bytes(kResponse));
  ASSERT_FALSE(other_request.ok());
  EXPECT_NE(other_request.error().message().find("request"), std::string::npos);
  auto other_response =
      check_receipt_covers(claims, as_bytes(kRequest), as_bytes("Once upon a time."));
  ASSERT_FALSE(other_response.ok());
  EXPECT_NE(other_response.error().message().find("response"), std::string::npos);
}

TEST(Receipt, FreshKeysSignAndVerify) {
  crypto::Ed25519KeyPair key = crypto::ed25519_generate();
  ReceiptClaims claims = sample_claims();
  auto receipt = sign_receipt(claims, key.seed);
  ASSERT_TRUE(receipt.ok());
  auto verified = verify_receipt(*receipt, key.public_key);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(*verified, claims);
}

}  // namespace
}  // namespace cloister::session
