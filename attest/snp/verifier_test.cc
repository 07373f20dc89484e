#include "attest/snp/verifier.h"

#include <gtest/gtest.h>

#include "attest/snp/cert_table.h"
#include "base/encoding.h"
#include "testing/test_data.h"

namespace cloister::attest::snp {
namespace {

TimePoint at(std::string_view text) { return *parse_rfc3339(text); }

// VCEK (DER) followed by the DER of an ASK/ARK PEM bundle.
Bytes chain_bytes(const Bytes& vcek_der, const Bytes& ask_ark_pem) {
  Bytes out = vcek_der;
  auto certs = crypto::parse_certificates(ask_ark_pem);
  if (!certs.ok()) return out;
  for (const auto& cert : *certs) {
    out.insert(out.end(), cert.der().begin(), cert.der().end());
  }
  return out;
}

struct Vector {
  Bytes report;
  Bytes vcek;
  Bytes milan;
  Bytes genoa;
};

Vector load(std::string_view directory, std::string_view vcek_name = "vcek.der") {
  Vector vector;
  auto read = [](std::string relative) {
    auto path = testing::locate_test_data(relative);
    return path.ok() ? testing::read_test_file(*path) : Bytes{};
  };
  vector.report = read(std::string(directory) + "/report.bin");
  vector.vcek = read(std::string(directory) + "/" + std::string(vcek_name));
  vector.milan = read("attestation/snp/roots/ask_ark_milan.pem");
  vector.genoa = read("attestation/snp/roots/ask_ark_genoa.pem");
  return vector;
}

class GoSevGuestMilan : public ::testing::Test {
 protected:
  void SetUp() override {
    CLOISTER_TEST_DATA(dir, "attestation/snp/go-sev-guest-milan/report.bin");
    vector_ = load("attestation/snp/go-sev-guest-milan");
  }
  VerifiedEvidence run(const Policy& policy, TimePoint when = at("2023-06-01")) {
    FixedClock clock(when);
    return verify(vector_.report, chain_bytes(vector_.vcek, vector_.milan), policy, clock);
  }
  Vector vector_;
};

TEST_F(GoSevGuestMilan, ChainAndSignatureVerifyButDefaultPolicyRejectsDebug) {
  VerifiedEvidence result = run(Policy{});
  EXPECT_FALSE(result.verdict.accepted());
  ASSERT_EQ(result.verdict.failures.size(), 1u) << result.verdict.to_text();
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kDebugPolicySet);
  EXPECT_NE(result.verdict.failures[0].to_string().find("debug"), std::string::npos);
  EXPECT_EQ(result.verdict.passed[1].rfind("chain:", 0), 0u) << result.verdict.to_text();
  EXPECT_EQ(result.verdict.passed[2].rfind("signature:", 0), 0u);
  EXPECT_FALSE(result.claims.simulated);
  ASSERT_TRUE(result.claims.snp->product.has_value());
  EXPECT_EQ(*result.claims.snp->product, AmdProduct::kMilan);
}

TEST_F(GoSevGuestMilan, PolicyAllowingDebugAccepts) {
  Policy policy;
  policy.allow_debug = true;
  VerifiedEvidence result = run(policy);
  EXPECT_TRUE(result.verdict.accepted()) << result.verdict.to_text();
  EXPECT_EQ(result.verdict.headline(), "ACCEPTED");
}

TEST_F(GoSevGuestMilan, FlippedBodyByteBreaksTheSignature) {
  vector_.report[0x90] ^= 0x01;  // MEASUREMENT, inside the signed range
  VerifiedEvidence result = run(Policy{.allow_debug = true});
  ASSERT_EQ(result.verdict.failures.size(), 1u);
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kSignatureInvalid);
}

TEST_F(GoSevGuestMilan, FlippedSignatureByteBreaksTheSignature) {
  vector_.report[0x2A0 + 5] ^= 0x80;  // SIGNATURE.R
  VerifiedEvidence result = run(Policy{.allow_debug = true});
  ASSERT_EQ(result.verdict.failures.size(), 1u);
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kSignatureInvalid);
}

TEST_F(GoSevGuestMilan, WrongProductChainIsRejected) {
  FixedClock clock(at("2023-06-01"));
  VerifiedEvidence result = verify(vector_.report, chain_bytes(vector_.vcek, vector_.genoa),
                                   Policy{.allow_debug = true}, clock);
  ASSERT_EQ(result.verdict.failures.size(), 1u);
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kChainInvalid) << result.verdict.to_text();
}

TEST_F(GoSevGuestMilan, ClockBeforeTheVcekWasIssuedIsRejected) {
  VerifiedEvidence result = run(Policy{.allow_debug = true}, at("2021-01-01"));
  ASSERT_EQ(result.verdict.failures.size(), 1u);
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kCertificateNotValidNow);
}

TEST_F(GoSevGuestMilan, MeasurementOutsideTheReleaseIsRejected) {
  Policy policy{.allow_debug = true};
  policy.accepted_measurements = std::vector<Bytes>{Bytes(48, 0xaa)};
  VerifiedEvidence result = run(policy);
  ASSERT_EQ(result.verdict.failures.size(), 1u);
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kMeasurementNotInRelease);
  policy.accepted_measurements->push_back(result.claims.measurement);
  EXPECT_TRUE(run(policy).verdict.accepted());
}

TEST_F(GoSevGuestMilan, WrongReportDataIsRejected) {
  Policy policy{.allow_debug = true};
  std::array<uint8_t, 64> expected{};
  policy.expected_report_data = expected;
  VerifiedEvidence result = run(policy);
  ASSERT_EQ(result.verdict.failures.size(), 1u);
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kReportDataMismatch);
  expected[0] = 1, expected[1] = 2, expected[2] = 3, expected[3] = 4, expected[4] = 5;
  policy.expected_report_data = expected;
  EXPECT_TRUE(run(policy).verdict.accepted()) << run(policy).verdict.to_text();
}

TEST_F(GoSevGuestMilan, TcbFloorAndVmplAreEnforced) {
  Policy policy{.allow_debug = true};
  policy.minimum_tcb = TcbParts{.fmc = 0, .bootloader = 2, .tee = 0, .snp = 6, .microcode = 0};
  policy.required_vmpl = 1;
  VerifiedEvidence result = run(policy);
  EXPECT_TRUE(result.verdict.has(Reason::kTcbBelowMinimum)) << result.verdict.to_text();
  EXPECT_TRUE(result.verdict.has(Reason::kVmplMismatch));
  EXPECT_EQ(result.verdict.failures.size(), 2u);
}

TEST_F(GoSevGuestMilan, AcceptsTheChainAsAGhcbCertificateTable) {
  auto ask_ark = *crypto::parse_certificates(vector_.milan);
  auto table = encode_cert_table({{std::string(kVcekGuid), vector_.vcek},
                                  {std::string(kAskGuid), ask_ark[0].der()},
                                  {std::string(kArkGuid), ask_ark[1].der()}});
  ASSERT_TRUE(table.ok());
  FixedClock clock(at("2023-06-01"));
  VerifiedEvidence result = verify(vector_.report, *table, Policy{.allow_debug = true}, clock);
  EXPECT_TRUE(result.verdict.accepted()) << result.verdict.to_text();
}

TEST_F(GoSevGuestMilan, MissingArkIsMalformedEvidence) {
  FixedClock clock(at("2023-06-01"));
  auto ask_ark = *crypto::parse_certificates(vector_.milan);
  Bytes without_ark = vector_.vcek;
  without_ark.insert(without_ark.end(), ask_ark[0].der().begin(), ask_ark[0].der().end());
  VerifiedEvidence result = verify(vector_.report, without_ark, Policy{}, clock);
  ASSERT_EQ(result.verdict.failures.size(), 1u);
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kMalformedEvidence);
}

class TrusteeMilan : public ::testing::Test {
 protected:
  void SetUp() override {
    CLOISTER_TEST_DATA(dir, "attestation/snp/trustee-milan/report.bin");
    vector_ = load("attestation/snp/trustee-milan");
  }
  VerifiedEvidence run(const Policy& policy, TimePoint when = at("2024-01-01")) {
    FixedClock clock(when);
    return verify(vector_.report, chain_bytes(vector_.vcek, vector_.milan), policy, clock);
  }
  Vector vector_;
};

TEST_F(TrusteeMilan, AcceptedUnderTheDefaultPolicy) {
  VerifiedEvidence result = run(Policy{});
  EXPECT_TRUE(result.verdict.accepted()) << result.verdict.to_text();
  EXPECT_FALSE(result.claims.snp->report.policy.debug);
  ASSERT_TRUE(result.claims.snp->endorsement_key.has_value());
  EXPECT_EQ(result.claims.snp->endorsement_key->product_name, "Milan-B0");
  EXPECT_EQ(result.claims.snp->endorsement_key->tcb.microcode, 0x73);
}

TEST_F(TrusteeMilan, InvalidLegacyVcekIsRejected) {
  Vector legacy = load("attestation/snp/trustee-milan", "vcek-invalid-legacy.der");
  ASSERT_FALSE(legacy.vcek.empty());
  FixedClock clock(at("2024-01-01"));
  VerifiedEvidence result =
      verify(legacy.report, chain_bytes(legacy.vcek, legacy.milan), Policy{}, clock);
  EXPECT_FALSE(result.verdict.accepted());
  EXPECT_TRUE(result.verdict.has(Reason::kChainInvalid)) << result.verdict.to_text();
}

TEST_F(TrusteeMilan, FlippedBodyAndSignatureBytesAreRejected) {
  Bytes original = vector_.report;
  vector_.report[0x08] ^= 0x08;  // POLICY: sets DEBUG, which the signature must catch
  EXPECT_EQ(run(Policy{}).verdict.failures.at(0).reason, Reason::kSignatureInvalid);
  vector_.report = original;
  vector_.report[0x2A0 + 72 + 3] ^= 0x01;  // SIGNATURE.S
  EXPECT_EQ(run(Policy{}).verdict.failures.at(0).reason, Reason::kSignatureInvalid);
}

TEST_F(TrusteeMilan, WrongChainClockMeasurementAndReportDataAreRejected) {
  FixedClock clock(at("2024-01-01"));
  EXPECT_EQ(verify(vector_.report, chain_bytes(vector_.vcek, vector_.genoa), Policy{}, clock)
                .verdict.failures.at(0)
                .reason,
            Reason::kChainInvalid);
  EXPECT_EQ(run(Policy{}, at("2031-01-01")).verdict.failures.at(0).reason,
            Reason::kCertificateNotValidNow);
  Policy measurement;
  measurement.accepted_measurements = std::vector<Bytes>{};
  EXPECT_EQ(run(measurement).verdict.failures.at(0).reason, Reason::kMeasurementNotInRelease);
  Policy binding;
  binding.expected_report_data = std::array<uint8_t, 64>{};
  EXPECT_EQ(run(binding).verdict.failures.at(0).reason, Reason::kReportDataMismatch);
}

TEST_F(TrusteeMilan, PolicyForbiddingDebugPassesANonDebugGuest) {
  Policy policy;
  policy.allow_debug = false;
  VerifiedEvidence result = run(policy);
  EXPECT_FALSE(result.verdict.has(Reason::kDebugPolicySet));
  EXPECT_TRUE(result.verdict.accepted());
}

TEST(SnpVerify, GarbageIsMalformedEvidence) {
  FixedClock clock(at("2024-01-01"));
  VerifiedEvidence result = verify(Bytes(100, 0), Bytes{}, Policy{}, clock);
  ASSERT_EQ(result.verdict.failures.size(), 1u);
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kMalformedEvidence);
}

}  // namespace
}  // namespace cloister::attest::snp
