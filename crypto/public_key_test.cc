#include "crypto/public_key.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/x509.h"
#include "testing/test_data.h"

namespace cloister::crypto {
namespace {

// Splits a DER certificate into its signed TBSCertificate and signature bits.
struct SignedParts {
  Bytes tbs;
  Bytes signature;
};

SignedParts split_certificate(ByteSpan der) {
  ByteReader outer(der);
  auto cert = outer.read_der(0x30, "certificate");
  EXPECT_TRUE(cert.ok());
  ByteSpan before = cert->peek_rest();
  EXPECT_TRUE(cert->read_der(0x30, "tbs").ok());
  Bytes tbs = to_bytes(before.first(before.size() - cert->remaining()));
  EXPECT_TRUE(cert->read_der(0x30, "algorithm").ok());
  auto bits = cert->read_der(0x03, "signature");
  EXPECT_TRUE(bits.ok());
  ByteSpan value = bits->read_rest();
  return {tbs, to_bytes(value.subspan(1))};  // skip the unused-bits byte
}

TEST(PublicKey, VerifiesAmdRsaPssCertificateSignature) {
  CLOISTER_TEST_DATA(vcek_path, "attestation/snp/go-sev-guest-milan/vcek.der");
  CLOISTER_TEST_DATA(chain_path, "attestation/snp/roots/ask_ark_milan.pem");
  auto chain = parse_certificates(testing::read_test_file(chain_path));
  ASSERT_TRUE(chain.ok());
  PublicKey ask = *(*chain)[0].public_key();
  EXPECT_EQ(ask.type(), KeyType::kRsa);
  EXPECT_EQ(ask.bits(), 4096);
  SignedParts parts = split_certificate(testing::read_test_file(vcek_path));
  EXPECT_TRUE(ask.verify_rsa_pss(HashAlgorithm::kSha384, 48, parts.tbs, parts.signature));
  EXPECT_FALSE(ask.verify_rsa_pss(HashAlgorithm::kSha384, 32, parts.tbs, parts.signature));
  EXPECT_FALSE(ask.verify_rsa_pss(HashAlgorithm::kSha256, 48, parts.tbs, parts.signature));
  parts.tbs[10] ^= 1;
  EXPECT_FALSE(ask.verify_rsa_pss(HashAlgorithm::kSha384, 48, parts.tbs, parts.signature));
}

// NVIDIA's H100 sample: the last 96 bytes are r || s over everything before.
TEST(PublicKey, VerifiesRawEcdsaP384SignatureFromNvidiaEvidence) {
  CLOISTER_TEST_DATA(report_path, "attestation/nvidia/nvtrust-hopper/attestation_report.hex");
  CLOISTER_TEST_DATA(chain_path, "attestation/nvidia/nvtrust-hopper/cert_chain.txt");
  std::string hex = to_string(testing::read_test_file(report_path));
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
  auto evidence = hex_decode(hex);
  ASSERT_TRUE(evidence.ok());
  auto chain = parse_certificates(testing::read_test_file(chain_path));
  ASSERT_TRUE(chain.ok());
  PublicKey leaf = *(*chain)[0].public_key();
  ASSERT_EQ(leaf.type(), KeyType::kEcP384);
  ByteSpan all(*evidence);
  ByteSpan signed_part = all.first(all.size() - 96);
  ByteSpan r = all.subspan(all.size() - 96, 48);
  ByteSpan s = all.subspan(all.size() - 48, 48);
  EXPECT_TRUE(leaf.verify_ecdsa_rs(HashAlgorithm::kSha384, signed_part, r, s));
  EXPECT_FALSE(leaf.verify_ecdsa_rs(HashAlgorithm::kSha384, signed_part.first(100), r, s));
  EXPECT_FALSE(leaf.verify_ecdsa_rs(HashAlgorithm::kSha384, signed_part, s, r));
  EXPECT_FALSE(leaf.verify_rsa_pss(HashAlgorithm::kSha384, 48, signed_part, all.last(96)));
}

TEST(PublicKey, RoundTripsSpkiAndEcCoordinates) {
  CLOISTER_TEST_DATA(path, "attestation/snp/go-sev-guest-milan/vcek.der");
  auto vcek = Certificate::from_der(testing::read_test_file(path));
  ASSERT_TRUE(vcek.ok());
  PublicKey key = *vcek->public_key();
  auto again = PublicKey::from_spki_der(key.spki_der());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->spki_der(), key.spki_der());
  // The SPKI ends with the 97-byte uncompressed point 04 || x || y.
  Bytes spki = key.spki_der();
  ByteSpan point = ByteSpan(spki).last(96);
  auto from_xy = PublicKey::from_ec_coordinates(KeyType::kEcP384, point);
  ASSERT_TRUE(from_xy.ok()) << from_xy.error().message();
  EXPECT_EQ(from_xy->spki_der(), spki);
  Bytes off_curve = to_bytes(point);
  off_curve[95] ^= 1;
  EXPECT_FALSE(PublicKey::from_ec_coordinates(KeyType::kEcP384, off_curve).ok());
  EXPECT_FALSE(PublicKey::from_ec_coordinates(KeyType::kEcP256, point).ok());
}

TEST(PublicKey, EncodesRsAsDer) {
  auto der = ecdsa_rs_to_der(Bytes{0x00, 0x80}, Bytes{0x01});
  ASSERT_TRUE(der.ok());
  // SEQUENCE { INTEGER 0x0080, INTEGER 0x01 } per X.690 minimal encoding.
  EXPECT_EQ(hex_encode(*der),
            "3007020200800201"
            "01");
  EXPECT_FALSE(ecdsa_rs_to_der(Bytes{}, Bytes{1}).ok());
}

}  // namespace
}  // namespace cloister::crypto
