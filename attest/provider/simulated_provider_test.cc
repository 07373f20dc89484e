#include "attest/provider/simulated_provider.h"

#include <gtest/gtest.h>

#include "attest/evidence.h"
#include "attest/provider/simulated_fixture.h"
#include "attest/render.h"
#include "attest/simulated.h"
#include "base/encoding.h"
#include "base/files.h"
#include "testing/temp_dir.h"

namespace cloister::attest {
namespace {

using testing_support::shared_measurement;
using testing_support::shared_simulated_provider;

ReportData sample_report_data() {
  ReportData data{};
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  return data;
}

Policy simulated_policy() {
  Policy policy;
  policy.allow_simulated(true);
  policy.expect_report_data(sample_report_data());
  const crypto::Sha384Digest measurement = shared_measurement();
  policy.snp.accepted_measurements = std::vector<Bytes>{to_bytes(measurement)};
  return policy;
}

VerifiedEvidence verify_now(const EvidenceBytes& evidence, const Policy& policy) {
  return verify_evidence(evidence, policy, system_clock());
}

// Reference values computed independently with Python's hashlib:
// sha384(b"cloister/simulated-measurement/v1" + sha256(x).digest()).
TEST(SimulatedMeasurement, MatchesReferenceComputation) {
  EXPECT_EQ(hex_encode(simulated_measurement(crypto::sha256(ByteSpan()))),
            "18490fc7644ae55607ea57299ca829c1009f76dfcaac193b1c8390a7e8c4419870a9076de9727c68de6"
            "aba169ddf1759");
  EXPECT_EQ(hex_encode(shared_measurement()),
            "e3ac4a0b921785699efebd05e65d5d69df337c741a6c199ec98c63634ec12bf448719b0ee00cb8ac6b21e"
            "690ffc9602b");
}

TEST(SimulatedMeasurement, OfBinaryHashesTheFile) {
  const cloister::testing::TempDir directory("cloister-measure");
  auto path = directory.path() / "enclave.bin";
  ASSERT_TRUE(write_file_atomically(path, as_bytes("enclave")).ok());
  auto measurement = simulated_measurement_of_binary(path);
  ASSERT_TRUE(measurement.ok());
  EXPECT_EQ(*measurement, shared_measurement());
  EXPECT_TRUE(simulated_measurement_of_binary().ok());  // /proc/self/exe
  EXPECT_FALSE(simulated_measurement_of_binary(directory.path() / "missing").ok());
}

TEST(SimulatedProvider, ReportsVerifyEndToEndWithAllowSimulated) {
  auto evidence = shared_simulated_provider().produce(sample_report_data());
  ASSERT_TRUE(evidence.ok()) << evidence.error().message();
  EXPECT_EQ(evidence->platform, Platform::kSnp);
  EXPECT_EQ(evidence->report.size(), 1184u);
  VerifiedEvidence result = verify_now(*evidence, simulated_policy());
  EXPECT_TRUE(result.verdict.accepted()) << result.verdict.to_text();
  EXPECT_TRUE(result.verdict.simulated);
  EXPECT_TRUE(result.claims.simulated);
  EXPECT_EQ(result.verdict.headline(), "SIMULATED ACCEPTED");
  EXPECT_NE(result.verdict.to_text().find("SIMULATED"), std::string::npos);
  EXPECT_EQ(result.claims.snp->report.version, 3u);
  nlohmann::json json = verified_to_json(result);
  EXPECT_TRUE(json["simulated"].get<bool>());
  EXPECT_EQ(json["verdict"]["result"], "SIMULATED ACCEPTED");
  EXPECT_NE(json["warning"].get<std::string>().find("SIMULATED"), std::string::npos);
}

TEST(SimulatedProvider, ReportsAreRejectedWithoutAllowSimulated) {
  auto evidence = shared_simulated_provider().produce(sample_report_data());
  ASSERT_TRUE(evidence.ok());
  Policy policy = simulated_policy();
  policy.allow_simulated(false);
  VerifiedEvidence result = verify_now(*evidence, policy);
  ASSERT_EQ(result.verdict.failures.size(), 1u) << result.verdict.to_text();
  EXPECT_EQ(result.verdict.failures[0].reason, Reason::kSimulatedNotAllowed);
  EXPECT_EQ(result.verdict.headline(), "SIMULATED REJECTED");
  // The default policy of every client is the same.
  EXPECT_FALSE(verify_now(*evidence, Policy{}).verdict.accepted());
}

TEST(SimulatedProvider, ChainIsCreatedOnceAndKeptInTheStateDirectory) {
  const auto& first = shared_simulated_provider();
  auto again =
      SimulatedProvider::open(testing_support::shared_state_directory(), shared_measurement());
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->ark().fingerprint(), first.ark().fingerprint());
  EXPECT_EQ(again->chip_id(), first.chip_id());
  EXPECT_EQ(again->ark().subject_attribute("O"), kSimulatedOrganization);
  EXPECT_FALSE(TrustedRoots::pinned().amd_product_for(first.ark().fingerprint()).has_value());
  auto key_mode =
      std::filesystem::status(testing_support::shared_state_directory() / "vcek.key.pem")
          .permissions();
  EXPECT_EQ(key_mode & std::filesystem::perms::group_all, std::filesystem::perms::none);
  EXPECT_EQ(key_mode & std::filesystem::perms::others_all, std::filesystem::perms::none);
}

// Reports signed by the stand-in VCEK exercise the policy steps that real
// vectors cannot reach (their fields are fixed by AMD's signature).
class SimulatedPolicySteps : public ::testing::Test {
 protected:
  VerifiedEvidence verify_report(const snp::Report& report, const Policy& policy) {
    auto bytes = shared_simulated_provider().sign(report);
    EXPECT_TRUE(bytes.ok());
    EvidenceBytes evidence{.platform = Platform::kSnp,
                           .report = *bytes,
                           .collateral = shared_simulated_provider().certificate_chain()};
    return verify_now(evidence, policy);
  }
  snp::Report base() { return shared_simulated_provider().report_template(sample_report_data()); }
};

TEST_F(SimulatedPolicySteps, DebugAndMigrationAgentAreForbiddenByDefault) {
  snp::Report report = base();
  report.policy =
      *snp::decode_guest_policy(report.policy.raw | (uint64_t{1} << 19) | (uint64_t{1} << 18));
  VerifiedEvidence result = verify_report(report, simulated_policy());
  EXPECT_TRUE(result.verdict.has(Reason::kDebugPolicySet)) << result.verdict.to_text();
  EXPECT_TRUE(result.verdict.has(Reason::kMigrationAgentAllowed));
  Policy lenient = simulated_policy();
  lenient.snp.allow_debug = true;
  lenient.snp.allow_migration_agent = true;
  EXPECT_TRUE(verify_report(report, lenient).verdict.accepted());
}

TEST_F(SimulatedPolicySteps, SmtCanBeForbidden) {
  Policy policy = simulated_policy();
  policy.snp.allow_smt = false;
  EXPECT_TRUE(verify_report(base(), policy).verdict.has(Reason::kSmtNotAllowed));
}

TEST_F(SimulatedPolicySteps, ChipIdMustEqualTheVcekHwid) {
  snp::Report report = base();
  report.chip_id[10] ^= 1;
  EXPECT_TRUE(verify_report(report, simulated_policy()).verdict.has(Reason::kChipIdMismatch));
}

TEST_F(SimulatedPolicySteps, ReportedTcbMustEqualTheCertificateTcb) {
  snp::Report report = base();
  snp::TcbParts higher = SimulatedProvider::kTcb;
  higher.snp += 1;
  report.reported_tcb = snp::encode_tcb(higher, AmdProduct::kMilan);
  VerifiedEvidence result = verify_report(report, simulated_policy());
  EXPECT_TRUE(result.verdict.has(Reason::kReportedTcbMismatch)) << result.verdict.to_text();
  snp::Report stale = base();
  snp::TcbParts lower = SimulatedProvider::kTcb;
  lower.microcode -= 1;
  stale.current_tcb = snp::encode_tcb(lower, AmdProduct::kMilan);
  EXPECT_TRUE(
      verify_report(stale, simulated_policy()).verdict.has(Reason::kCertificateTcbAboveCurrent));
}

TEST_F(SimulatedPolicySteps, SigningKeyFieldMustMatchTheChain) {
  snp::Report report = base();
  report.signing_key = snp::SigningKey::kVlek;
  EXPECT_TRUE(verify_report(report, simulated_policy()).verdict.has(Reason::kChainInvalid));
}

TEST_F(SimulatedPolicySteps, CpuidMustMatchTheProduct) {
  snp::Report report = base();
  report.cpuid = snp::CpuId{.family = 0x1A, .model = 0x02, .stepping = 0};
  EXPECT_TRUE(verify_report(report, simulated_policy()).verdict.has(Reason::kProductMismatch));
}

TEST_F(SimulatedPolicySteps, MeasurementAndReportDataMustMatch) {
  snp::Report report = base();
  report.measurement[0] ^= 1;
  report.report_data[0] ^= 1;
  VerifiedEvidence result = verify_report(report, simulated_policy());
  EXPECT_TRUE(result.verdict.has(Reason::kMeasurementNotInRelease));
  EXPECT_TRUE(result.verdict.has(Reason::kReportDataMismatch));
  EXPECT_EQ(result.verdict.failures.size(), 2u);
}

}  // namespace
}  // namespace cloister::attest
