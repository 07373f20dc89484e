#include "attest/tdx/quote.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "testing/test_data.h"

namespace cloister::attest::tdx {
namespace {

// Expected values were read off quote.dat with xxd, following the field
// layout of Intel's "TDX DCAP Quoting Library API" quote format.
TEST(ParseQuote, DecodesTheSapphireRapidsQuote) {
  CLOISTER_TEST_DATA(path, "attestation/tdx/go-tdx-guest-spr/quote.dat");
  auto quote = parse_quote(testing::read_test_file(path));
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  EXPECT_EQ(quote->header.version, 4);
  EXPECT_EQ(quote->header.tee_type, 0x81u);
  EXPECT_EQ(hex_encode(quote->header.qe_vendor_id), "939a7233f79c4ca9940a0db3957f0607");
  EXPECT_EQ(hex_encode(ByteSpan(quote->body.tee_tcb_svn).first(4)), "03000400");
  EXPECT_EQ(quote->body.td_attributes, 0x40000000u);
  EXPECT_FALSE(td_debug(quote->body));
  EXPECT_EQ(quote->body.xfam, 0x61ae7u);
  EXPECT_EQ(hex_encode(ByteSpan(quote->body.mr_td).first(8)), "6363b8043668a3ad");
  EXPECT_EQ(hex_encode(ByteSpan(quote->body.report_data).first(8)), "6c62dec1b8191749");
  EXPECT_FALSE(quote->body.mr_service_td.has_value());
  EXPECT_EQ(quote->signed_size, 48u + 584u);
  EXPECT_EQ(hex_encode(ByteSpan(quote->attestation_key).first(4)), "36f301ff");
  EXPECT_EQ(quote->qe_report.isv_prod_id, 2);
  EXPECT_EQ(quote->qe_report.isv_svn, 4);
  EXPECT_EQ(quote->qe_auth_data.size(), 32u);
  EXPECT_EQ(to_string(quote->pck_chain).rfind("-----BEGIN CERTIFICATE-----", 0), 0u);
  EXPECT_EQ(quote->trailing_bytes, 39u);  // go-tdx-guest appended a test marker
}

TEST(ParseQuote, RejectsTruncationAndOtherTeeTypes) {
  CLOISTER_TEST_DATA(path, "attestation/tdx/go-tdx-guest-spr/quote.dat");
  Bytes bytes = testing::read_test_file(path);
  for (size_t cut : {size_t{0}, size_t{47}, size_t{600}, size_t{700}, size_t{1500}}) {
    EXPECT_FALSE(parse_quote(ByteSpan(bytes).first(cut)).ok()) << cut;
  }
  Bytes sgx = bytes;
  sgx[4] = 0;  // TEE type 0 is SGX
  auto result = parse_quote(sgx);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kUnsupported);
  Bytes v3 = bytes;
  v3[0] = 3;
  EXPECT_FALSE(parse_quote(v3).ok());
}

}  // namespace
}  // namespace cloister::attest::tdx
