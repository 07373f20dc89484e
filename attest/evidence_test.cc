#include "attest/evidence.h"

#include <gtest/gtest.h>

#include "attest/render.h"
#include "attest/tdx/collateral.h"
#include "base/encoding.h"
#include "testing/test_data.h"

namespace cloister::attest {
namespace {

TimePoint at(std::string_view text) { return *parse_rfc3339(text); }

Bytes read(std::string_view relative) {
  auto path = testing::locate_test_data(relative);
  return path.ok() ? testing::read_test_file(*path) : Bytes{};
}

EvidenceBytes trustee_snp() {
  Bytes chain = read("attestation/snp/trustee-milan/vcek.der");
  auto ask_ark = crypto::parse_certificates(read("attestation/snp/roots/ask_ark_milan.pem"));
  if (!ask_ark.ok()) return {};
  for (const auto& cert : *ask_ark) {
    chain.insert(chain.end(), cert.der().begin(), cert.der().end());
  }
  return {.platform = Platform::kSnp,
          .report = read("attestation/snp/trustee-milan/report.bin"),
          .collateral = chain};
}

EvidenceBytes spr_tdx() {
  std::string dir = "attestation/tdx/go-tdx-guest-spr/";
  tdx::TdxCollateral collateral{.tcb_info_json = to_string(read(dir + "tcb_info.json")),
                                .qe_identity_json = to_string(read(dir + "qe_identity.json")),
                                .tcb_signing_chain = read(dir + "tcb_signing_chain.pem"),
                                .pck_crl = read(dir + "pck_crl.der"),
                                .root_crl = read(dir + "root_crl.der")};
  return {.platform = Platform::kTdx,
          .report = read(dir + "quote.dat"),
          .collateral = tdx::encode_collateral(collateral)};
}

EvidenceBytes hopper_nvidia() {
  std::string hex = to_string(read("attestation/nvidia/nvtrust-hopper/attestation_report.hex"));
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
  return {.platform = Platform::kNvidia,
          .report = *hex_decode(hex),
          .collateral = read("attestation/nvidia/nvtrust-hopper/cert_chain.txt")};
}

TEST(VerifyEvidence, AcceptsTheTrusteeSnpReportFromBytes) {
  CLOISTER_TEST_DATA(path, "attestation/snp/trustee-milan/report.bin");
  FixedClock clock(at("2024-01-01"));
  VerifiedEvidence result = verify_evidence(trustee_snp(), Policy{}, clock);
  EXPECT_TRUE(result.verdict.accepted()) << result.verdict.to_text();
  EXPECT_EQ(result.claims.platform, Platform::kSnp);
  EXPECT_EQ(result.claims.measurement.size(), 48u);
  EXPECT_EQ(result.claims.report_data.size(), 64u);
  nlohmann::json json = verified_to_json(result);
  EXPECT_EQ(json["verdict"]["result"], "ACCEPTED");
  EXPECT_FALSE(json["simulated"].get<bool>());
  const auto& snp = json["claims"]["snp"];
  EXPECT_EQ(snp["version"], 2);
  EXPECT_EQ(snp["policy"]["debug"], false);
  EXPECT_EQ(snp["policy"]["smt"], true);
  EXPECT_EQ(snp["tcb"]["reported"]["microcode"], 0x73);
  EXPECT_EQ(snp["tcb"]["current"]["microcode"], 0xce);
  EXPECT_EQ(snp["chip_id"].get<std::string>().size(), 128u);
  EXPECT_EQ(snp["measurement"], hex_encode(result.claims.measurement));
  EXPECT_EQ(snp["report_data"], hex_encode(result.claims.report_data));
}

TEST(VerifyEvidence, ExpectedReportDataAppliesToSnpAndTdx) {
  CLOISTER_TEST_DATA(path, "attestation/snp/trustee-milan/report.bin");
  FixedClock clock(at("2024-01-01"));
  Policy policy;
  policy.expect_report_data(std::array<uint8_t, 64>{});
  EXPECT_TRUE(
      verify_evidence(trustee_snp(), policy, clock).verdict.has(Reason::kReportDataMismatch));
  FixedClock tdx_clock(at("2023-07-01"));
  EXPECT_TRUE(
      verify_evidence(spr_tdx(), policy, tdx_clock).verdict.has(Reason::kReportDataMismatch));
}

TEST(VerifyEvidence, VerifiesTheTdxQuoteFromBytes) {
  CLOISTER_TEST_DATA(path, "attestation/tdx/go-tdx-guest-spr/quote.dat");
  FixedClock clock(at("2023-07-01"));
  VerifiedEvidence result = verify_evidence(spr_tdx(), Policy{}, clock);
  ASSERT_EQ(result.verdict.failures.size(), 1u) << result.verdict.to_text();
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kTcbLevelNotMatched);
  nlohmann::json tdx = verified_to_json(result)["claims"]["tdx"];
  EXPECT_EQ(tdx["rtmrs"].size(), 4u);
  EXPECT_EQ(tdx["mrtd"].get<std::string>().substr(0, 16), "6363b8043668a3ad");
  EXPECT_EQ(tdx["td_attributes"]["debug"], false);
  EXPECT_EQ(tdx["tcb_status"], "no TCB level matched");
  EXPECT_EQ(tdx["qe_tcb_status"], "UpToDate");
}

TEST(VerifyEvidence, MalformedTdxCollateralIsMalformedEvidence) {
  CLOISTER_TEST_DATA(path, "attestation/tdx/go-tdx-guest-spr/quote.dat");
  EvidenceBytes evidence = spr_tdx();
  evidence.collateral = to_bytes(std::string_view("{}"));
  FixedClock clock(at("2023-07-01"));
  VerifiedEvidence result = verify_evidence(evidence, Policy{}, clock);
  ASSERT_EQ(result.verdict.failures.size(), 1u);
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kMalformedEvidence);
}

TEST(VerifyEvidence, VerifiesNvidiaEvidenceFromBytes) {
  CLOISTER_TEST_DATA(path, "attestation/nvidia/nvtrust-hopper/attestation_report.hex");
  FixedClock clock(at("2024-06-01"));
  EvidenceBytes evidence = hopper_nvidia();
  Policy policy;
  std::array<uint8_t, 32> nonce{};
  std::copy(evidence.report.begin() + 4, evidence.report.begin() + 36, nonce.begin());
  policy.nvidia.expected_nonce = nonce;
  VerifiedEvidence result = verify_evidence(evidence, policy, clock);
  EXPECT_TRUE(result.verdict.accepted()) << result.verdict.to_text();
  nlohmann::json nvidia = verified_to_json(result)["claims"]["nvidia"];
  EXPECT_EQ(nvidia["measurements"].size(), 64u);
  EXPECT_EQ(nvidia["spdm_version"], "1.1");
  EXPECT_EQ(nvidia["driver_version"], "550.90.07");
}

TEST(GpuEvidence, PacksAndUnpacksForTheSessionBundle) {
  CLOISTER_TEST_DATA(path, "attestation/nvidia/nvtrust-hopper/attestation_report.hex");
  EvidenceBytes evidence = hopper_nvidia();
  Bytes packed = encode_gpu_evidence(evidence);
  EXPECT_EQ(packed.size(), 1 + 4 + evidence.report.size() + 4 + evidence.collateral.size());
  auto unpacked = decode_gpu_evidence(packed);
  ASSERT_TRUE(unpacked.ok()) << unpacked.error().message();
  EXPECT_EQ(unpacked->platform, Platform::kNvidia);
  EXPECT_EQ(unpacked->report, evidence.report);
  EXPECT_EQ(unpacked->collateral, evidence.collateral);
  packed.push_back(0);
  EXPECT_FALSE(decode_gpu_evidence(packed).ok());
  EXPECT_FALSE(decode_gpu_evidence(ByteSpan(packed).first(10)).ok());
  packed[0] = 2;
  EXPECT_FALSE(decode_gpu_evidence(packed).ok());
}

TEST(ParseEvidence, DecodesWithoutVerifying) {
  CLOISTER_TEST_DATA(path, "attestation/snp/go-sev-guest-milan/report.bin");
  auto claims =
      parse_evidence(Platform::kSnp, read("attestation/snp/go-sev-guest-milan/report.bin"));
  ASSERT_TRUE(claims.ok());
  std::string text = claims_to_text(*claims);
  EXPECT_NE(text.find("snp.policy.debug: true"), std::string::npos) << text;
  EXPECT_NE(text.find("snp.report_data: 0102030405"), std::string::npos);
  EXPECT_FALSE(parse_evidence(Platform::kTdx, Bytes(10, 0)).ok());
  EXPECT_TRUE(parse_evidence(Platform::kNvidia, hopper_nvidia().report).ok());
}

}  // namespace
}  // namespace cloister::attest
