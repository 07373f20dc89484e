#include "attest/tdx/collateral.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "testing/test_data.h"

namespace cloister::attest::tdx {
namespace {

std::string read_text(std::string_view relative) {
  auto path = testing::locate_test_data(relative);
  return path.ok() ? to_string(testing::read_test_file(*path)) : std::string();
}

TEST(Collateral, SplitsTcbInfoIntoSignedBodyAndSignature) {
  CLOISTER_TEST_DATA(path, "attestation/tdx/go-tdx-guest-spr/tcb_info.json");
  std::string text = read_text("attestation/tdx/go-tdx-guest-spr/tcb_info.json");
  auto document = split_signed_document(text, "tcbInfo");
  ASSERT_TRUE(document.ok()) << document.error().message();
  EXPECT_EQ(document->body.rfind("{\"id\":\"TDX\",\"version\":3", 0), 0u);
  EXPECT_EQ(document->body.back(), '}');
  EXPECT_EQ(hex_encode(ByteSpan(document->signature).first(4)), "f6502d6f");
  // The body is the exact substring of the document, byte for byte.
  EXPECT_NE(text.find(document->body), std::string::npos);
}

TEST(Collateral, ParsesTcbInfoLevels) {
  CLOISTER_TEST_DATA(path, "attestation/tdx/go-tdx-guest-spr/tcb_info.json");
  auto document =
      split_signed_document(read_text("attestation/tdx/go-tdx-guest-spr/tcb_info.json"), "tcbInfo");
  ASSERT_TRUE(document.ok());
  auto info = parse_tcb_info(document->body);
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_EQ(info->id, "TDX");
  EXPECT_EQ(info->version, 3u);
  EXPECT_EQ(hex_encode(info->fmspc), "50806f000000");
  EXPECT_EQ(format_rfc3339(info->next_update), "2023-07-18T08:42:58Z");
  ASSERT_EQ(info->levels.size(), 2u);
  EXPECT_EQ(info->levels[0].status, "UpToDate");
  EXPECT_EQ(info->levels[0].pce_svn, 11);
  EXPECT_EQ(info->levels[0].sgx_components[0], 5);
  EXPECT_EQ(info->levels[0].tdx_components[2], 5);
  EXPECT_EQ(info->levels[1].status, "OutOfDate");
  EXPECT_EQ(info->levels[1].advisory_ids.size(), 13u);
  ASSERT_TRUE(info->tdx_module.has_value());
  EXPECT_EQ(info->tdx_module->attributes_mask, ~uint64_t{0});
}

TEST(Collateral, ParsesQeIdentity) {
  CLOISTER_TEST_DATA(path, "attestation/tdx/go-tdx-guest-spr/qe_identity.json");
  auto document = split_signed_document(
      read_text("attestation/tdx/go-tdx-guest-spr/qe_identity.json"), "enclaveIdentity");
  ASSERT_TRUE(document.ok()) << document.error().message();
  auto identity = parse_qe_identity(document->body);
  ASSERT_TRUE(identity.ok()) << identity.error().message();
  EXPECT_EQ(identity->id, "TD_QE");
  EXPECT_EQ(identity->isv_prod_id, 2);
  EXPECT_EQ(hex_encode(identity->mr_signer).substr(0, 8), "dc9e2a7c");
  EXPECT_EQ(identity->misc_select_mask, 0xffffffffu);
  ASSERT_EQ(identity->levels.size(), 1u);
  EXPECT_EQ(identity->levels[0].isv_svn, 4);
}

TEST(Collateral, SplitterRejectsMalformedDocuments) {
  std::string sig(128, 'a');
  EXPECT_TRUE(split_signed_document(R"({"tcbInfo":{"a":[1,{"b":"}"}]},"signature":")" + sig + "\"}",
                                    "tcbInfo")
                  .ok());
  EXPECT_FALSE(split_signed_document(R"({"tcbInfo":{}})", "tcbInfo").ok());  // no signature
  EXPECT_FALSE(split_signed_document(R"({"signature":")" + sig + "\"}", "tcbInfo").ok());
  EXPECT_FALSE(
      split_signed_document(R"({"tcbInfo":{},"tcbInfo":{},"signature":")" + sig + "\"}", "tcbInfo")
          .ok());
  EXPECT_FALSE(
      split_signed_document(R"({"tcbInfo":{},"signature":")" + sig + "\"} x", "tcbInfo").ok());
  EXPECT_FALSE(
      split_signed_document(R"({"tcbInfo":{,"signature":")" + sig + "\"}", "tcbInfo").ok());
  std::string deep = R"({"tcbInfo":)" + std::string(100, '[') + std::string(100, ']') +
                     R"(,"signature":")" + sig + "\"}";
  EXPECT_FALSE(split_signed_document(deep, "tcbInfo").ok());
  EXPECT_FALSE(split_signed_document(R"({"tcbInfo":{},"signature":"abc"})", "tcbInfo").ok());
}

TEST(Collateral, RejectsUnrepresentableDates) {
  CLOISTER_TEST_DATA(path, "attestation/tdx/go-tdx-guest-spr/qe_identity.json");
  auto document = split_signed_document(
      read_text("attestation/tdx/go-tdx-guest-spr/qe_identity.json"), "enclaveIdentity");
  ASSERT_TRUE(document.ok());
  std::string body = document->body;
  size_t at = body.find("2023-06-08");
  ASSERT_NE(at, std::string::npos);
  body.replace(at, 4, "4048");  // found by fuzz_tdx_collateral: overflowed system_clock
  EXPECT_FALSE(parse_qe_identity(body).ok());
}

TEST(Collateral, EncodingRoundTrips) {
  TdxCollateral collateral{.tcb_info_json = R"({"tcbInfo":{}})",
                           .qe_identity_json = "{}",
                           .tcb_signing_chain = to_bytes(std::string_view("PEM")),
                           .pck_crl = Bytes{1, 2, 3},
                           .root_crl = Bytes{0, 255}};
  auto decoded = decode_collateral(encode_collateral(collateral));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(decoded->tcb_info_json, collateral.tcb_info_json);
  EXPECT_EQ(decoded->tcb_signing_chain, collateral.tcb_signing_chain);
  EXPECT_EQ(decoded->pck_crl, collateral.pck_crl);
  EXPECT_EQ(decoded->root_crl, collateral.root_crl);
  EXPECT_FALSE(decode_collateral(as_bytes("{}")).ok());
  EXPECT_FALSE(decode_collateral(as_bytes("nope")).ok());
}

}  // namespace
}  // namespace cloister::attest::tdx
