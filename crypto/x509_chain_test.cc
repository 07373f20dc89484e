#include "crypto/x509_chain.h"

#include <gtest/gtest.h>

#include "testing/test_data.h"

namespace cloister::crypto {
namespace {

// The quote's certification data holds the PEM chain; PEM must start a line.
Bytes pem_inside(const Bytes& quote) {
  std::string text = to_string(quote);
  size_t start = text.find("-----BEGIN");
  return start == std::string::npos ? Bytes{} : to_bytes(std::string_view(text).substr(start));
}

std::vector<Certificate> load(std::string_view relative) {
  auto located = testing::locate_test_data(relative);
  EXPECT_TRUE(located.ok());
  if (!located.ok()) return {};
  auto certs = parse_certificates(testing::read_test_file(*located));
  EXPECT_TRUE(certs.ok());
  return certs.ok() ? *certs : std::vector<Certificate>{};
}

TimePoint at(std::string_view text) { return *parse_rfc3339(text); }

class AmdChain : public ::testing::Test {
 protected:
  void SetUp() override {
    CLOISTER_TEST_DATA(vcek_path, "attestation/snp/go-sev-guest-milan/vcek.der");
    auto vcek = Certificate::from_der(testing::read_test_file(vcek_path));
    ASSERT_TRUE(vcek.ok());
    vcek_ = std::make_unique<Certificate>(*vcek);
    milan_ = load("attestation/snp/roots/ask_ark_milan.pem");
    genoa_ = load("attestation/snp/roots/ask_ark_genoa.pem");
    ASSERT_EQ(milan_.size(), 2u);
    ASSERT_EQ(genoa_.size(), 2u);
  }
  std::unique_ptr<Certificate> vcek_;
  std::vector<Certificate> milan_;
  std::vector<Certificate> genoa_;
};

TEST_F(AmdChain, VcekChainsToMilanArk) {
  auto error = verify_chain(*vcek_, std::span(milan_).first(1), milan_[1],
                            {.at = at("2024-01-01T00:00:00Z")});
  EXPECT_FALSE(error.has_value()) << error->message;
}

TEST_F(AmdChain, ExpiredAndNotYetValidAreTyped) {
  auto late = verify_chain(*vcek_, std::span(milan_).first(1), milan_[1], {.at = at("2030-01-01")});
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->kind, ChainErrorKind::kExpired);
  EXPECT_EQ(late->depth, 0);
  auto early =
      verify_chain(*vcek_, std::span(milan_).first(1), milan_[1], {.at = at("2021-01-01")});
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->kind, ChainErrorKind::kNotYetValid);
}

TEST_F(AmdChain, WrongProductChainIsRejected) {
  auto error =
      verify_chain(*vcek_, std::span(genoa_).first(1), genoa_[1], {.at = at("2024-01-01")});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, ChainErrorKind::kUntrustedRoot) << error->message;
  // Milan ASK with the Genoa ARK: the ASK's signature cannot verify.
  auto mixed =
      verify_chain(*vcek_, std::span(milan_).first(1), genoa_[1], {.at = at("2024-01-01")});
  ASSERT_TRUE(mixed.has_value());
}

TEST_F(AmdChain, RootMustBeSelfSigned) {
  auto error = verify_chain(*vcek_, {}, milan_[0], {.at = at("2024-01-01")});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, ChainErrorKind::kUntrustedRoot);
}

// The PCK chain inside go-tdx-guest's quote, with Intel's CRLs.
class IntelChain : public ::testing::Test {
 protected:
  void SetUp() override {
    CLOISTER_TEST_DATA(quote_path, "attestation/tdx/go-tdx-guest-spr/quote.dat");
    CLOISTER_TEST_DATA(pck_crl_path, "attestation/tdx/go-tdx-guest-spr/pck_crl.der");
    CLOISTER_TEST_DATA(root_crl_path, "attestation/tdx/go-tdx-guest-spr/root_crl.der");
    pck_ = *parse_certificates(
        pem_inside(testing::read_test_file(quote_path)));  // PEM embedded in the quote
    ASSERT_EQ(pck_.size(), 3u);
    crls_.push_back(*Crl::parse(testing::read_test_file(pck_crl_path)));
    crls_.push_back(*Crl::parse(testing::read_test_file(root_crl_path)));
  }
  std::vector<Certificate> pck_;
  std::vector<Crl> crls_;
};

TEST_F(IntelChain, PckChainVerifiesWithCrlsInWindow) {
  ChainOptions options{.at = at("2023-07-01"), .crls = crls_, .require_crls = true};
  auto error = verify_chain(pck_[0], std::span(pck_).subspan(1, 1), pck_[2], options);
  EXPECT_FALSE(error.has_value()) << error->message;
}

TEST_F(IntelChain, MissingOrExpiredCrlIsACrlProblem) {
  ChainOptions missing{.at = at("2023-07-01"), .crls = {crls_[1]}, .require_crls = true};
  auto error = verify_chain(pck_[0], std::span(pck_).subspan(1, 1), pck_[2], missing);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, ChainErrorKind::kCrlProblem) << error->message;
  ChainOptions stale{.at = at("2023-08-01"), .crls = crls_, .require_crls = true};
  error = verify_chain(pck_[0], std::span(pck_).subspan(1, 1), pck_[2], stale);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, ChainErrorKind::kCrlProblem) << error->message;
}

}  // namespace
}  // namespace cloister::crypto
