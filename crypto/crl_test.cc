#include "crypto/crl.h"

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

TEST(Crl, ParsesIntelPckCrlAndChecksItsSignature) {
  CLOISTER_TEST_DATA(crl_path, "attestation/tdx/go-tdx-guest-spr/pck_crl.der");
  CLOISTER_TEST_DATA(quote_path, "attestation/tdx/go-tdx-guest-spr/quote.dat");
  auto crl = Crl::parse(testing::read_test_file(crl_path));
  ASSERT_TRUE(crl.ok()) << crl.error().message();
  // Dates as `openssl crl -text` prints them.
  EXPECT_EQ(format_rfc3339(crl->this_update()), "2023-06-08T07:27:52Z");
  ASSERT_TRUE(crl->next_update().has_value());
  EXPECT_EQ(format_rfc3339(*crl->next_update()), "2023-07-08T07:27:52Z");
  EXPECT_NE(crl->issuer().find("Intel SGX PCK Platform CA"), std::string::npos);

  auto pck = parse_certificates(pem_inside(testing::read_test_file(quote_path)));
  ASSERT_TRUE(pck.ok());
  EXPECT_TRUE(crl->signature_verifies_with(*(*pck)[1].public_key()));
  EXPECT_FALSE(crl->signature_verifies_with(*(*pck)[2].public_key()));
  EXPECT_FALSE(crl->revokes((*pck)[0]));
}

TEST(Crl, RejectsNonCrlBytes) {
  EXPECT_FALSE(Crl::parse(as_bytes("not a crl")).ok());
  EXPECT_FALSE(Crl::parse(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}).ok());
}

}  // namespace
}  // namespace cloister::crypto
