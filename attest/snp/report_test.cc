#include "attest/snp/report.h"

#include <gtest/gtest.h>

#include "attest/snp/tcb.h"
#include "base/encoding.h"
#include "testing/test_data.h"

namespace cloister::attest::snp {
namespace {

// Expected values were read off the report with xxd, following the field
// offsets of the AMD SEV-SNP ABI specification.
TEST(ParseReport, DecodesGoSevGuestMilanFields) {
  CLOISTER_TEST_DATA(path, "attestation/snp/go-sev-guest-milan/report.bin");
  auto report = parse_report(testing::read_test_file(path));
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->version, 2u);
  EXPECT_EQ(report->policy.raw, 0xb0000u);
  EXPECT_TRUE(report->policy.debug);
  EXPECT_TRUE(report->policy.smt);
  EXPECT_FALSE(report->policy.migrate_ma);
  EXPECT_EQ(report->vmpl, 0u);
  EXPECT_EQ(report->signature_algo, 1u);
  EXPECT_EQ(report->signing_key, SigningKey::kVcek);
  EXPECT_EQ(hex_encode(ByteSpan(report->report_data).first(5)), "0102030405");
  EXPECT_EQ(hex_encode(ByteSpan(report->measurement).first(8)), "b07af9620f3b839b");
  EXPECT_EQ(hex_encode(ByteSpan(report->chip_id).first(8)), "3ac3fe21e13fb099");
  EXPECT_FALSE(report->cpuid.has_value());
  TcbParts reported = decode_tcb(report->reported_tcb, AmdProduct::kMilan);
  EXPECT_EQ(reported, (TcbParts{.fmc = 0, .bootloader = 2, .tee = 0, .snp = 5, .microcode = 0x44}));
}

TEST(ParseReport, DecodesTrusteeMilanFields) {
  CLOISTER_TEST_DATA(path, "attestation/snp/trustee-milan/report.bin");
  auto report = parse_report(testing::read_test_file(path));
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->guest_svn, 4u);
  EXPECT_EQ(report->policy.raw, 0x3001fu);
  EXPECT_FALSE(report->policy.debug);
  EXPECT_EQ(report->policy.abi_minor, 0x1f);
  EXPECT_EQ(decode_tcb(report->current_tcb, AmdProduct::kMilan).microcode, 0xce);
  EXPECT_EQ(decode_tcb(report->reported_tcb, AmdProduct::kMilan).microcode, 0x73);
  EXPECT_EQ(decode_tcb(report->reported_tcb, AmdProduct::kMilan).snp, 8);
}

TEST(ParseReport, SerializeRoundTripsRealReports) {
  for (const char* relative : {"attestation/snp/go-sev-guest-milan/report.bin",
                               "attestation/snp/trustee-milan/report.bin"}) {
    CLOISTER_TEST_DATA(path, relative);
    Bytes bytes = testing::read_test_file(path);
    auto report = parse_report(bytes);
    ASSERT_TRUE(report.ok());
    EXPECT_EQ(serialize_report(*report), bytes) << relative;
  }
}

TEST(ParseReport, RejectsWrongSizeVersionAndReservedBits) {
  CLOISTER_TEST_DATA(path, "attestation/snp/trustee-milan/report.bin");
  Bytes bytes = testing::read_test_file(path);
  EXPECT_FALSE(parse_report(ByteSpan(bytes).first(1000)).ok());
  Bytes wrong_version = bytes;
  wrong_version[0] = 9;
  auto unsupported = parse_report(wrong_version);
  ASSERT_FALSE(unsupported.ok());
  EXPECT_EQ(unsupported.error().code(), ErrorCode::kUnsupported);
  Bytes no_reserved_one = bytes;
  no_reserved_one[0x0a] &= ~0x02;  // POLICY bit 17
  EXPECT_FALSE(parse_report(no_reserved_one).ok());
  Bytes dirty_reserved = bytes;
  dirty_reserved[0x190] = 1;  // inside the reserved range after REPORTED_TCB (v2)
  EXPECT_FALSE(parse_report(dirty_reserved).ok());
  Bytes dirty_tail = bytes;
  dirty_tail[0x4A0 - 1] = 1;  // after SIGNATURE.S
  EXPECT_FALSE(parse_report(dirty_tail).ok());
}

TEST(Tcb, TurinLayoutDiffersFromMilan) {
  // Bytes 0..7 = 01 02 03 04 00 00 00 05.
  uint64_t raw = 0x0500000004030201ull;
  EXPECT_EQ(decode_tcb(raw, AmdProduct::kTurin),
            (TcbParts{.fmc = 1, .bootloader = 2, .tee = 3, .snp = 4, .microcode = 5}));
  EXPECT_EQ(decode_tcb(raw, AmdProduct::kGenoa),
            (TcbParts{.fmc = 0, .bootloader = 1, .tee = 2, .snp = 0, .microcode = 5}));
  TcbParts parts{.fmc = 9, .bootloader = 8, .tee = 7, .snp = 6, .microcode = 5};
  EXPECT_EQ(decode_tcb(encode_tcb(parts, AmdProduct::kTurin), AmdProduct::kTurin), parts);
  EXPECT_TRUE(tcb_at_least(parts, parts));
  TcbParts higher_snp = parts;
  higher_snp.snp = 7;
  EXPECT_FALSE(tcb_at_least(parts, higher_snp));
}

}  // namespace
}  // namespace cloister::attest::snp
