#include "session/evidence_bundle.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace cloister::session {
namespace {

Bytes h(std::string_view hex) { return *hex_decode(hex); }

template <size_t N>
std::array<uint8_t, N> filled(uint8_t value) {
  std::array<uint8_t, N> out{};
  out.fill(value);
  return out;
}

// Reference values computed independently (Python hashlib) from the
// definition in docs/protocol.md.
TEST(ReportData, MatchesIndependentComputation) {
  Bytes manifest = to_bytes("{\"version\":\"1.0.0\"}");
  Nonce nonce = filled<32>(3);
  ReportData with_nonce =
      compute_report_data(filled<32>(1), filled<32>(2), manifest_digest(manifest), nonce);
  EXPECT_EQ(hex_encode(with_nonce),
            "ae253bffc31e48b12ab00a597b004904b6d271e1338b21a1b505162fe08b01ca"
            "5197d2699f041fa1124b9d7c4fe1584b657fe0e365a252f586f2c1f23e63959a");
  ReportData without =
      compute_report_data(filled<32>(1), filled<32>(2), manifest_digest(manifest), std::nullopt);
  EXPECT_EQ(hex_encode(without),
            "9a142a22bef60aa6902dfb7f6e841d247a25cbced3fa492ce772de9415fc415f"
            "f6370c08ad917c62ee5ad661993a633fc24866ce594ae6f67c6e187c960b84e7");
}

TEST(ReportData, ChangesWithEveryInput) {
  Bytes manifest = to_bytes("m");
  auto base = compute_report_data(filled<32>(1), filled<32>(2), manifest_digest(manifest), {});
  EXPECT_NE(base, compute_report_data(filled<32>(9), filled<32>(2), manifest_digest(manifest), {}));
  EXPECT_NE(base, compute_report_data(filled<32>(1), filled<32>(9), manifest_digest(manifest), {}));
  EXPECT_NE(base,
            compute_report_data(filled<32>(1), filled<32>(2), manifest_digest(to_bytes("n")), {}));
  EXPECT_NE(base, compute_report_data(filled<32>(1), filled<32>(2), manifest_digest(manifest),
                                      filled<32>(0x01)));
}

EvidenceBundle small_bundle() {
  EvidenceBundle bundle;
  bundle.platform = Platform::kTdx;
  bundle.report = to_bytes("Q");
  bundle.collateral = {};
  bundle.gpu_evidence = to_bytes("G");
  bundle.manifest = to_bytes("{}");
  bundle.receipt_public_key = filled<32>(0xEE);
  bundle.tlog_proof = {TlogProofFormat::kTlogV1, to_bytes("P")};
  return bundle;
}

// The layout of docs/protocol.md, written out by hand.
constexpr std::string_view kSmallBundleHex =
    "01"            // format 1
    "02"            // platform: tdx
    "0000000151"    // report "Q"
    "00000000"      // no collateral
    "0000000147"    // GPU evidence "G"
    "000000027b7d"  // manifest "{}"
    "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
    "01"           // tlog proof format 1
    "0000000150";  // proof "P"

TEST(EvidenceBundle, EncodesAsSpecified) {
  auto encoded = encode_evidence_bundle(small_bundle());
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(hex_encode(*encoded), kSmallBundleHex);
  auto decoded = decode_evidence_bundle(*encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(*decoded, small_bundle());
}

TEST(EvidenceBundle, RejectsEveryDeviation) {
  std::string good(kSmallBundleHex);
  auto fails = [](std::string hex) { return !decode_evidence_bundle(h(hex)).ok(); };
  EXPECT_FALSE(fails(good));
  EXPECT_TRUE(fails("02" + good.substr(2)));                            // unknown format
  EXPECT_TRUE(fails("0104" + good.substr(4)));                          // unknown platform
  EXPECT_TRUE(fails(good + "00"));                                      // trailing byte
  EXPECT_TRUE(fails(good.substr(0, good.size() - 2)));                  // truncated
  EXPECT_TRUE(fails("010200000000" + good.substr(14)));                 // empty report
  EXPECT_TRUE(fails(good.substr(0, good.size() - 12) + "0000000150"));  // proof without format
  EXPECT_TRUE(fails(good.substr(0, good.size() - 12) + "0100000000"));  // format without proof
  EXPECT_TRUE(fails(good.substr(0, good.size() - 12) + "0200000000"));  // unknown proof format
  EXPECT_TRUE(fails("0102ffffffff51"));                                 // length past the end
}

TEST(EvidenceBundle, RefusesToEncodeIncompleteBundles) {
  EvidenceBundle no_report = small_bundle();
  no_report.report.clear();
  EXPECT_FALSE(encode_evidence_bundle(no_report).ok());
  EvidenceBundle proof_without_format = small_bundle();
  proof_without_format.tlog_proof.format = TlogProofFormat::kNone;
  EXPECT_FALSE(encode_evidence_bundle(proof_without_format).ok());
}

TEST(EvidenceBundle, NamesPlatforms) {
  EXPECT_EQ(platform_name(Platform::kSevSnp), "sev-snp");
  EXPECT_EQ(platform_name(Platform::kTdx), "tdx");
  EXPECT_EQ(platform_name(Platform::kSimulatedSevSnp), "simulated-sev-snp");
}

}  // namespace
}  // namespace cloister::session
