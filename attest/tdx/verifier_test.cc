#include "attest/tdx/verifier.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "testing/test_data.h"

namespace cloister::attest::tdx {
namespace {

TimePoint at(std::string_view text) { return *parse_rfc3339(text); }

bool passed_step(const Verdict& verdict, std::string_view prefix) {
  for (const std::string& check : verdict.passed) {
    if (check.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

class SapphireRapidsQuote : public ::testing::Test {
 protected:
  void SetUp() override {
    CLOISTER_TEST_DATA(quote_path, "attestation/tdx/go-tdx-guest-spr/quote.dat");
    CLOISTER_TEST_DATA(dir, "attestation/tdx/go-tdx-guest-spr/tcb_info.json");
    std::filesystem::path base = dir.parent_path();
    quote_ = testing::read_test_file(quote_path);
    collateral_.tcb_info_json = to_string(testing::read_test_file(base / "tcb_info.json"));
    collateral_.qe_identity_json = to_string(testing::read_test_file(base / "qe_identity.json"));
    collateral_.tcb_signing_chain = testing::read_test_file(base / "tcb_signing_chain.pem");
    collateral_.pck_crl = testing::read_test_file(base / "pck_crl.der");
    collateral_.root_crl = testing::read_test_file(base / "root_crl.der");
  }
  VerifiedEvidence run(const Policy& policy = Policy{}, TimePoint when = at("2023-07-01")) {
    FixedClock clock(when);
    return verify(quote_, collateral_, policy, clock);
  }
  // Returns the one failure, failing the test if there is not exactly one.
  static Reason only_failure(const VerifiedEvidence& result) {
    EXPECT_EQ(result.verdict.failures.size(), 1u) << result.verdict.to_text();
    return result.verdict.failures.empty() ? Reason::kMalformedEvidence
                                           : result.verdict.failures[0].reason;
  }
  Bytes quote_;
  TdxCollateral collateral_;
};

TEST_F(SapphireRapidsQuote, EverySignatureVerifiesAndNoTcbLevelMatches) {
  VerifiedEvidence result = run();
  const Verdict& verdict = result.verdict;
  EXPECT_TRUE(passed_step(verdict, "chain: PCK")) << verdict.to_text();
  EXPECT_TRUE(passed_step(verdict, "QE report signature"));
  EXPECT_TRUE(passed_step(verdict, "attestation key binding"));
  EXPECT_TRUE(passed_step(verdict, "quote signature"));
  EXPECT_TRUE(passed_step(verdict, "collateral: tcbInfo signature verifies"));
  EXPECT_TRUE(passed_step(verdict, "collateral: enclaveIdentity signature verifies"));
  EXPECT_TRUE(passed_step(verdict, "QE identity: matches, status UpToDate"));
  EXPECT_EQ(only_failure(result), Reason::kTcbLevelNotMatched);
  EXPECT_FALSE(verdict.accepted());
  ASSERT_TRUE(result.claims.tdx.has_value());
  EXPECT_EQ(result.claims.tdx->fmspc, "50806f000000");
  EXPECT_FALSE(result.claims.tdx->tcb_status.has_value());
  EXPECT_EQ(result.claims.measurement.size(), 48u);
}

TEST_F(SapphireRapidsQuote, FlippedBodyByteBreaksTheQuoteSignature) {
  quote_[0xB8] ^= 0x01;  // MRTD
  EXPECT_EQ(only_failure(run()), Reason::kSignatureInvalid);
}

TEST_F(SapphireRapidsQuote, FlippedSignatureByteBreaksTheQuoteSignature) {
  quote_[0x27C + 10] ^= 0x01;  // inside the ECDSA signature
  EXPECT_EQ(only_failure(run()), Reason::kSignatureInvalid);
}

TEST_F(SapphireRapidsQuote, FlippedQeReportByteBreaksTheQeSignature) {
  quote_[0x27C + 64 + 64 + 6 + 300] ^= 0x01;  // inside the QE report
  EXPECT_EQ(only_failure(run()), Reason::kQeReportSignatureInvalid);
}

TEST_F(SapphireRapidsQuote, AlteredAuthDataBreaksTheAttestationKeyBinding) {
  quote_[0x27C + 64 + 64 + 6 + 384 + 64 + 2] ^= 0x01;  // first byte of QE auth data
  EXPECT_EQ(only_failure(run()), Reason::kAttestationKeyNotBound);
}

TEST_F(SapphireRapidsQuote, UnpinnedRootIsRejected) {
  FixedClock clock(at("2023-07-01"));
  TrustedRoots amd_only = TrustedRoots::pinned();
  amd_only.intel_roots.clear();
  EXPECT_EQ(only_failure(verify(quote_, collateral_, Policy{}, clock, amd_only)),
            Reason::kRootNotPinned);
}

TEST_F(SapphireRapidsQuote, WrongCollateralChainIsRejected) {
  auto amd = testing::locate_test_data("attestation/snp/roots/ask_ark_milan.pem");
  ASSERT_TRUE(amd.ok());
  collateral_.tcb_signing_chain = testing::read_test_file(*amd);
  VerifiedEvidence result = run();
  EXPECT_TRUE(result.verdict.has(Reason::kCollateralInvalid)) << result.verdict.to_text();
}

TEST_F(SapphireRapidsQuote, TamperedTcbInfoIsRejected) {
  size_t at_pcesvn = collateral_.tcb_info_json.find("\"pcesvn\":11");
  ASSERT_NE(at_pcesvn, std::string::npos);
  collateral_.tcb_info_json[at_pcesvn + 10] = '0';  // pcesvn 11 -> 10
  VerifiedEvidence result = run();
  EXPECT_TRUE(result.verdict.has(Reason::kCollateralInvalid)) << result.verdict.to_text();
}

TEST_F(SapphireRapidsQuote, ClockOutsideTheWindowsIsRejected) {
  // After the PCK CRL's nextUpdate (2023-07-08).
  EXPECT_EQ(only_failure(run(Policy{}, at("2023-08-01"))), Reason::kCrlInvalid);
  // Before the TCB info was issued (2023-06-18).
  VerifiedEvidence early = run(Policy{}, at("2023-06-10"));
  EXPECT_TRUE(early.verdict.has(Reason::kCollateralNotValidNow)) << early.verdict.to_text();
  // After the TCB signing certificate expired (2025-05-21) the CRLs have long expired too.
  EXPECT_FALSE(run(Policy{}, at("2025-06-01")).verdict.accepted());
}

TEST_F(SapphireRapidsQuote, MeasurementRtmrAndReportDataPolicies) {
  Policy policy;
  policy.accepted_mrtds = std::vector<Measurement>{Measurement{}};
  policy.expected_rtmrs[0] = Measurement{};
  policy.expected_report_data = std::array<uint8_t, 64>{};
  VerifiedEvidence result = run(policy);
  EXPECT_TRUE(result.verdict.has(Reason::kMeasurementNotInRelease)) << result.verdict.to_text();
  EXPECT_TRUE(result.verdict.has(Reason::kRtmrMismatch));
  EXPECT_TRUE(result.verdict.has(Reason::kReportDataMismatch));

  auto quote = parse_quote(quote_);
  ASSERT_TRUE(quote.ok());
  Policy matching;
  matching.accepted_mrtds = std::vector<Measurement>{quote->body.mr_td};
  matching.expected_rtmrs[0] = quote->body.rtmr[0];
  matching.expected_report_data = quote->body.report_data;
  VerifiedEvidence good = run(matching);
  EXPECT_EQ(only_failure(good), Reason::kTcbLevelNotMatched);
  EXPECT_TRUE(passed_step(good.verdict, "measurement: MRTD is in the release"));
  EXPECT_TRUE(passed_step(good.verdict, "binding: REPORTDATA"));
}

TEST_F(SapphireRapidsQuote, PolicyForbidsADebuggableTd) {
  auto quote = parse_quote(quote_);
  ASSERT_TRUE(quote.ok());
  Verdict clear;
  check_policy(quote->body, Policy{}, clear);
  EXPECT_FALSE(clear.has(Reason::kDebugPolicySet));
  TdReportBody debug_body = quote->body;
  debug_body.td_attributes |= kTdAttributeDebug;
  Verdict debug;
  check_policy(debug_body, Policy{}, debug);
  EXPECT_TRUE(debug.has(Reason::kDebugPolicySet));
  Verdict allowed;
  check_policy(debug_body, Policy{.allow_debug = true}, allowed);
  EXPECT_FALSE(allowed.has(Reason::kDebugPolicySet));
  // In the real quote the bit is signed: setting it breaks the quote signature.
  quote_[0xA8] |= 0x01;
  EXPECT_EQ(only_failure(run()), Reason::kSignatureInvalid);
}

TEST(TdxVerify, GarbageIsMalformedEvidence) {
  FixedClock clock(at("2023-07-01"));
  VerifiedEvidence result = verify(Bytes{4, 0, 2, 0, 0x81}, TdxCollateral{}, Policy{}, clock);
  ASSERT_EQ(result.verdict.failures.size(), 1u);
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kMalformedEvidence);
}

}  // namespace
}  // namespace cloister::attest::tdx
