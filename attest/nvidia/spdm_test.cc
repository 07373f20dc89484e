#include "attest/nvidia/spdm.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "testing/test_data.h"

namespace cloister::attest::nvidia {
namespace {

Bytes load_evidence() {
  auto path = testing::locate_test_data("attestation/nvidia/nvtrust-hopper/attestation_report.hex");
  if (!path.ok()) return {};
  std::string hex = to_string(testing::read_test_file(*path));
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
  return *hex_decode(hex);
}

// Expected values were decoded by hand from the hex following DSP0274 1.1.
TEST(ParseSpdmEvidence, DecodesTheHopperSample) {
  CLOISTER_TEST_DATA(path, "attestation/nvidia/nvtrust-hopper/attestation_report.hex");
  Bytes bytes = load_evidence();
  ASSERT_EQ(bytes.size(), 4117u);
  auto evidence = parse_spdm_evidence(bytes);
  ASSERT_TRUE(evidence.ok()) << evidence.error().message();
  EXPECT_EQ(evidence->spdm_version, 0x11);
  EXPECT_EQ(evidence->requested_operation, 0xff);
  EXPECT_EQ(hex_encode(ByteSpan(evidence->request_nonce).first(8)), "931d8dd0add203ac");
  ASSERT_EQ(evidence->blocks.size(), 64u);
  EXPECT_EQ(evidence->blocks[0].index, 1);
  EXPECT_EQ(evidence->blocks[1].value.size(), 48u);
  EXPECT_EQ(hex_encode(ByteSpan(evidence->blocks[1].value).first(8)), "8048dfd18fe229bf");
  EXPECT_EQ(evidence->driver_version, "550.90.07");
  EXPECT_EQ(evidence->vbios_version, "96.00.9F.00.01");
  EXPECT_EQ(evidence->signed_size, bytes.size() - 96);
  EXPECT_EQ(opaque_field_name(3), "DRIVER_VERSION");
  EXPECT_EQ(opaque_field_name(200), "FIELD_200");
}

TEST(ParseSpdmEvidence, RejectsTruncationAndWrongCodes) {
  CLOISTER_TEST_DATA(path, "attestation/nvidia/nvtrust-hopper/attestation_report.hex");
  Bytes bytes = load_evidence();
  for (size_t cut : {size_t{0}, size_t{36}, size_t{50}, size_t{3000}, bytes.size() - 1}) {
    EXPECT_FALSE(parse_spdm_evidence(ByteSpan(bytes).first(cut)).ok()) << cut;
  }
  Bytes extra = bytes;
  extra.push_back(0);
  EXPECT_FALSE(parse_spdm_evidence(extra).ok());
  Bytes wrong = bytes;
  wrong[1] = 0x81;  // GET_DIGESTS, not GET_MEASUREMENTS
  EXPECT_FALSE(parse_spdm_evidence(wrong).ok());
  Bytes unsigned_request = bytes;
  unsigned_request[2] = 0;
  EXPECT_FALSE(parse_spdm_evidence(unsigned_request).ok());
}

}  // namespace
}  // namespace cloister::attest::nvidia
