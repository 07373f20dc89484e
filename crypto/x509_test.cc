#include "crypto/x509.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "testing/test_data.h"

namespace cloister::crypto {
namespace {

// Facts below were read from AMD's published certificates with `openssl x509 -text`.
constexpr std::string_view kMilanArkSha256 =
    "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd";

TEST(Certificate, ParsesAmdAskArkPemBundleInOrder) {
  CLOISTER_TEST_DATA(path, "attestation/snp/roots/ask_ark_milan.pem");
  auto certs = parse_certificates(testing::read_test_file(path));
  ASSERT_TRUE(certs.ok()) << certs.error().message();
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ((*certs)[0].subject_attribute("CN"), "SEV-Milan");
  EXPECT_EQ((*certs)[1].subject_attribute("CN"), "ARK-Milan");
  EXPECT_EQ((*certs)[1].subject_attribute("O"), "Advanced Micro Devices");
  EXPECT_TRUE((*certs)[1].is_self_issued());
  EXPECT_FALSE((*certs)[0].is_self_issued());
  EXPECT_EQ(hex_encode((*certs)[1].fingerprint()), kMilanArkSha256);
  EXPECT_EQ(format_rfc3339((*certs)[1].not_before()), "2020-10-22T17:23:05Z");
  EXPECT_EQ(format_rfc3339((*certs)[1].not_after()), "2045-10-22T17:23:05Z");
}

TEST(Certificate, ReportsAmdSignatureAlgorithmAsPssSha384Salt48) {
  CLOISTER_TEST_DATA(path, "attestation/snp/go-sev-guest-milan/vcek.der");
  auto vcek = Certificate::from_der(testing::read_test_file(path));
  ASSERT_TRUE(vcek.ok()) << vcek.error().message();
  SignatureAlgorithm algorithm = vcek->signature_algorithm();
  EXPECT_EQ(algorithm.kind, SignatureAlgorithm::Kind::kRsaPss);
  EXPECT_EQ(algorithm.hash, HashAlgorithm::kSha384);
  EXPECT_EQ(algorithm.pss_salt_length, 48);
  EXPECT_TRUE(algorithm.pss_mgf1_matches_hash);
  EXPECT_EQ(vcek->public_key()->type(), KeyType::kEcP384);
}

TEST(Certificate, ReturnsRawExtensionValuesByOid) {
  CLOISTER_TEST_DATA(path, "attestation/snp/go-sev-guest-milan/vcek.der");
  auto vcek = Certificate::from_der(testing::read_test_file(path));
  ASSERT_TRUE(vcek.ok());
  auto ucode = vcek->extension("1.3.6.1.4.1.3704.1.3.8");
  ASSERT_TRUE(ucode.ok());
  ASSERT_TRUE(ucode->has_value());
  EXPECT_EQ(hex_encode(**ucode), "020144");  // DER INTEGER 0x44, as openssl asn1parse shows
  auto product = vcek->extension("1.3.6.1.4.1.3704.1.2");
  ASSERT_TRUE(product.ok() && product->has_value());
  EXPECT_EQ(to_string(**product), std::string("\x16\x08Milan-B0", 10));
  auto absent = vcek->extension("1.2.3.4");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  EXPECT_FALSE(vcek->extension("not an oid").ok());
}

TEST(Certificate, ParsesConcatenatedDer) {
  CLOISTER_TEST_DATA(vcek_path, "attestation/snp/go-sev-guest-milan/vcek.der");
  CLOISTER_TEST_DATA(chain_path, "attestation/snp/roots/ask_ark_milan.pem");
  auto chain = parse_certificates(testing::read_test_file(chain_path));
  ASSERT_TRUE(chain.ok());
  Bytes joined = testing::read_test_file(vcek_path);
  for (const auto& cert : *chain) joined.insert(joined.end(), cert.der().begin(), cert.der().end());
  auto certs = parse_certificates(joined);
  ASSERT_TRUE(certs.ok()) << certs.error().message();
  ASSERT_EQ(certs->size(), 3u);
  EXPECT_EQ((*certs)[0].subject_attribute("CN"), "SEV-VCEK");
  EXPECT_EQ((*certs)[2].der(), (*chain)[1].der());
}

TEST(Certificate, FarFutureExpiryClampsInsteadOfOverflowing) {
  CLOISTER_TEST_DATA(path, "attestation/nvidia/device_root.pem");  // notAfter 9999-12-31
  auto certs = parse_certificates(testing::read_test_file(path));
  ASSERT_TRUE(certs.ok());
  EXPECT_EQ((*certs)[0].not_after(), TimePoint::max());
  EXPECT_TRUE((*certs)[0].valid_at(*parse_rfc3339("2200-01-01")));
}

TEST(Certificate, RejectsGarbageAndTrailingBytes) {
  EXPECT_FALSE(parse_certificates(as_bytes("hello")).ok());
  EXPECT_FALSE(parse_certificates(ByteSpan()).ok());
  EXPECT_FALSE(parse_certificates(as_bytes("-----BEGIN CERTIFICATE-----\nAAAA\n")).ok());
  CLOISTER_TEST_DATA(path, "attestation/snp/go-sev-guest-milan/vcek.der");
  Bytes der = testing::read_test_file(path);
  der.push_back(0);
  EXPECT_FALSE(Certificate::from_der(der).ok());
}

}  // namespace
}  // namespace cloister::crypto
