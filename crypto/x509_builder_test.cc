#include "crypto/x509_builder.h"

#include <gtest/gtest.h>

#include "crypto/x509_chain.h"

namespace cloister::crypto {
namespace {

using std::chrono::hours;

TEST(IssueCertificate, BuildsAPssRootAndEcdsaLeafThatOpenSslAccepts) {
  // RSA-2048 keeps the test fast; the scheme is the one AMD uses.
  auto root_key = PrivateKey::generate_rsa(2048);
  auto leaf_key = PrivateKey::generate_ec(KeyType::kEcP384);
  ASSERT_TRUE(root_key.ok() && leaf_key.ok());
  TimePoint now = from_unix_seconds(1700000000);
  CertificateTemplate root_spec{.serial = 1,
                                .subject = {{"CN", "Test Root"}, {"O", "Cloister tests"}},
                                .not_before = now - hours(1),
                                .not_after = now + hours(24),
                                .is_ca = true,
                                .path_length = 1};
  auto root = issue_certificate(root_spec, root_key->public_key(), nullptr, *root_key,
                                CertificateSigner::kRsaPssSha384);
  ASSERT_TRUE(root.ok()) << root.error().message();
  SignatureAlgorithm algorithm = root->signature_algorithm();
  EXPECT_EQ(algorithm.kind, SignatureAlgorithm::Kind::kRsaPss);
  EXPECT_EQ(algorithm.pss_salt_length, 48);

  CertificateTemplate leaf_spec{
      .serial = 2,
      .subject = {{"CN", "Test Leaf"}},
      .not_before = now - hours(1),
      .not_after = now + hours(24),
      .extensions = {{"1.3.6.1.4.1.3704.1.3.8", false, {0x02, 0x01, 0x2a}}}};
  auto leaf = issue_certificate(leaf_spec, leaf_key->public_key(), &*root, *root_key,
                                CertificateSigner::kRsaPssSha384);
  ASSERT_TRUE(leaf.ok()) << leaf.error().message();
  EXPECT_EQ(leaf->issuer(), root->subject());
  EXPECT_EQ(**leaf->extension("1.3.6.1.4.1.3704.1.3.8"), (Bytes{0x02, 0x01, 0x2a}));
  EXPECT_FALSE(verify_chain(*leaf, {}, *root, {.at = now}).has_value());
  EXPECT_TRUE(verify_chain(*leaf, {}, *root, {.at = now + hours(48)}).has_value());
}

TEST(PrivateKey, EcdsaSignaturesVerifyAndKeysRoundTripThroughPem) {
  auto key = PrivateKey::generate_ec(KeyType::kEcP384);
  ASSERT_TRUE(key.ok());
  Bytes message = to_bytes(std::string_view("report body"));
  auto rs = key->sign_ecdsa_rs(HashAlgorithm::kSha384, message);
  ASSERT_TRUE(rs.ok());
  ASSERT_EQ(rs->size(), 96u);
  ByteSpan both(*rs);
  EXPECT_TRUE(key->public_key().verify_ecdsa_rs(HashAlgorithm::kSha384, message, both.first(48),
                                                both.last(48)));
  auto reloaded = PrivateKey::from_pkcs8_pem(key->to_pkcs8_pem().span());
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(reloaded->public_key().spki_der(), key->public_key().spki_der());
  EXPECT_FALSE(PrivateKey::from_pkcs8_pem(as_bytes("nope")).ok());
}

}  // namespace
}  // namespace cloister::crypto
