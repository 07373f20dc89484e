#include "attest/provider/sev_guest_device.h"

#include <linux/sev-guest.h>

#include <cstring>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "testing/test_data.h"

namespace cloister::attest {
namespace {

TEST(SevGuestRequest, EncodesTheKernelStructLayout) {
  ReportData data{};
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(0xA0 + i);
  Bytes encoded = encode_report_request(data, 2);
  ASSERT_EQ(encoded.size(), sizeof(snp_report_req));
  // The kernel's own struct, filled field by field, is the reference.
  snp_report_req reference{};
  std::memcpy(reference.user_data, data.data(), data.size());
  reference.vmpl = 2;
  EXPECT_EQ(std::memcmp(encoded.data(), &reference, sizeof(reference)), 0);
  EXPECT_EQ(hex_encode(ByteSpan(encoded).subspan(64, 4)), "02000000");
}

TEST(SevGuestResponse, DecodesMsgReportRsp) {
  CLOISTER_TEST_DATA(path, "attestation/snp/trustee-milan/report.bin");
  Bytes report = testing::read_test_file(path);
  ByteWriter writer;
  writer.put_u32le(0);
  writer.put_u32le(1184);
  writer.put_zeros(24);
  writer.put_bytes(report);
  writer.put_zeros(kSnpReportResponseSize - writer.size());
  auto decoded = decode_report_response(writer.data());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(*decoded, report);
}

TEST(SevGuestResponse, RejectsFirmwareErrorsAndBadSizes) {
  ByteWriter error;
  error.put_u32le(0x16);
  error.put_zeros(kSnpReportResponseSize - 4);
  auto refused = decode_report_response(error.data());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("status 22"), std::string::npos);
  ByteWriter wrong_size;
  wrong_size.put_u32le(0);
  wrong_size.put_u32le(1000);
  wrong_size.put_zeros(kSnpReportResponseSize - 8);
  EXPECT_FALSE(decode_report_response(wrong_size.data()).ok());
  EXPECT_FALSE(decode_report_response(Bytes(40, 0)).ok());
}

TEST(SevGuestRequest, DescribesGuestRequestErrors) {
  uint64_t exitinfo2 = (uint64_t{SNP_GUEST_VMM_ERR_INVALID_LEN} << 32) | 0;
  EXPECT_NE(describe_guest_request_error(exitinfo2).find("certificate buffer too small"),
            std::string::npos);
}

TEST(SevGuestDevice, MissingDeviceSaysSo) {
  SevGuestDeviceProvider provider(SevGuestOptions{.device = "/nonexistent/sev-guest"});
  auto evidence = provider.produce(ReportData{});
  ASSERT_FALSE(evidence.ok());
  EXPECT_EQ(evidence.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(evidence.error().message().find("not an SEV-SNP guest"), std::string::npos);
}

}  // namespace
}  // namespace cloister::attest
