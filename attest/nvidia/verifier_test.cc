#include "attest/nvidia/verifier.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "testing/test_data.h"

namespace cloister::attest::nvidia {
namespace {

TimePoint at(std::string_view text) { return *parse_rfc3339(text); }

class HopperEvidence : public ::testing::Test {
 protected:
  void SetUp() override {
    CLOISTER_TEST_DATA(report_path, "attestation/nvidia/nvtrust-hopper/attestation_report.hex");
    CLOISTER_TEST_DATA(chain_path, "attestation/nvidia/nvtrust-hopper/cert_chain.txt");
    std::string hex = to_string(testing::read_test_file(report_path));
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
    evidence_ = *hex_decode(hex);
    chain_ = testing::read_test_file(chain_path);
    // The README: the nonce is bytes 4..36 of the 37-byte request.
    std::copy(evidence_.begin() + 4, evidence_.begin() + 36, nonce_.begin());
  }
  // Measurement block `index` (1-based): 8 bytes of response header after the
  // request, then blocks of 4 + 3 + 48 bytes, the digest last.
  Bytes raw_block_value(size_t index) const {
    size_t start = 37 + 8 + (index - 1) * 55 + 7;
    return Bytes(evidence_.begin() + static_cast<ptrdiff_t>(start),
                 evidence_.begin() + static_cast<ptrdiff_t>(start + 48));
  }
  VerifiedEvidence run(const Policy& policy, TimePoint when = at("2024-06-01")) {
    FixedClock clock(when);
    return verify(evidence_, chain_, policy, clock);
  }
  static Reason only_failure(const VerifiedEvidence& result) {
    EXPECT_EQ(result.verdict.failures.size(), 1u) << result.verdict.to_text();
    return result.verdict.failures.empty() ? Reason::kMalformedEvidence
                                           : result.verdict.failures[0].reason;
  }
  Bytes evidence_;
  Bytes chain_;
  std::array<uint8_t, kNonceSize> nonce_{};
};

TEST_F(HopperEvidence, ChainSignatureAndNonceVerify) {
  VerifiedEvidence result = run(Policy{.expected_nonce = nonce_});
  EXPECT_TRUE(result.verdict.accepted()) << result.verdict.to_text();
  ASSERT_TRUE(result.claims.nvidia.has_value());
  EXPECT_NE(result.claims.nvidia->device_subject->find("GH100 A01 GSP FMC LF"), std::string::npos);
  EXPECT_EQ(result.claims.nvidia->evidence.blocks.size(), 64u);
}

TEST_F(HopperEvidence, GoldenMeasurementsFromARimAreCompared) {
  GoldenMeasurements golden;
  golden.values[2] = {raw_block_value(2)};
  golden.values[3] = {Bytes(48, 0), raw_block_value(3)};
  EXPECT_TRUE(run(Policy{.expected_nonce = nonce_, .golden = golden}).verdict.accepted());
  golden.values[3] = {Bytes(48, 0)};
  EXPECT_EQ(only_failure(run(Policy{.expected_nonce = nonce_, .golden = golden})),
            Reason::kGoldenMeasurementMismatch);
  GoldenMeasurements absent;
  absent.values[99] = {Bytes(48, 0)};
  EXPECT_EQ(only_failure(run(Policy{.expected_nonce = nonce_, .golden = absent})),
            Reason::kGoldenMeasurementMismatch);
}

TEST_F(HopperEvidence, FlippedResponseByteBreaksTheSignature) {
  evidence_[37 + 100] ^= 0x01;  // inside a measurement block
  EXPECT_EQ(only_failure(run(Policy{.expected_nonce = nonce_})), Reason::kSignatureInvalid);
}

TEST_F(HopperEvidence, FlippedSignatureByteBreaksTheSignature) {
  evidence_[evidence_.size() - 20] ^= 0x01;
  EXPECT_EQ(only_failure(run(Policy{.expected_nonce = nonce_})), Reason::kSignatureInvalid);
}

TEST_F(HopperEvidence, WrongChainIsRejected) {
  auto amd = testing::locate_test_data("attestation/snp/roots/ask_ark_milan.pem");
  ASSERT_TRUE(amd.ok());
  FixedClock clock(at("2024-06-01"));
  EXPECT_EQ(only_failure(verify(evidence_, testing::read_test_file(*amd), Policy{}, clock)),
            Reason::kRootNotPinned);
  // The real chain without its intermediates cannot reach the root.
  auto certs = *crypto::parse_certificates(chain_);
  Bytes leaf_and_root = certs.front().der();
  leaf_and_root.insert(leaf_and_root.end(), certs.back().der().begin(), certs.back().der().end());
  EXPECT_EQ(only_failure(verify(evidence_, leaf_and_root, Policy{}, clock)), Reason::kChainInvalid);
}

TEST_F(HopperEvidence, ClockBeforeTheChainWasIssuedIsRejected) {
  EXPECT_EQ(only_failure(run(Policy{}, at("2021-06-01"))), Reason::kCertificateNotValidNow);
}

TEST_F(HopperEvidence, WrongNonceIsRejected) {
  std::array<uint8_t, kNonceSize> other = nonce_;
  other[31] ^= 1;
  EXPECT_EQ(only_failure(run(Policy{.expected_nonce = other})), Reason::kNonceMismatch);
}

}  // namespace
}  // namespace cloister::attest::nvidia
