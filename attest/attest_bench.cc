// Evidence verification latency on the real vectors in the shared test data:
// a full SEV-SNP chain (ARK -> ASK -> VCEK -> report) and a full TDX quote
// with its collateral (PCK chain, QE report, TCB info, QE identity, CRLs).
#include <benchmark/benchmark.h>

#include "attest/snp/verifier.h"
#include "attest/tdx/verifier.h"
#include "base/files.h"
#include "crypto/x509.h"
#include "testing/test_data.h"

namespace cloister::attest {
namespace {

// Reads a shared test-data file, or returns nothing (the benchmark then skips).
std::optional<Bytes> read_data(const std::string& relative) {
  auto path = testing::locate_test_data(relative);
  if (!path.ok()) return std::nullopt;
  auto bytes = read_file(*path);
  if (!bytes.ok()) return std::nullopt;
  return *bytes;
}

// The go-sev-guest Milan report, its VCEK, and AMD's Milan ASK and ARK (DER).
void BM_VerifySnpMilan(benchmark::State& state) {
  auto report = read_data("attestation/snp/go-sev-guest-milan/report.bin");
  auto vcek = read_data("attestation/snp/go-sev-guest-milan/vcek.der");
  auto roots = read_data("attestation/snp/roots/ask_ark_milan.pem");
  if (!report || !vcek || !roots) return state.SkipWithError("shared SNP vectors missing");
  auto certificates = crypto::parse_certificates(*roots);
  if (!certificates.ok()) return state.SkipWithError("AMD roots do not parse");
  Bytes chain = *vcek;
  for (const auto& cert : *certificates) {
    chain.insert(chain.end(), cert.der().begin(), cert.der().end());
  }
  snp::Policy policy;
  policy.allow_debug = true;  // the vector comes from a debug guest
  FixedClock clock(*parse_rfc3339("2023-06-01T00:00:00Z"));
  for (auto _ : state) {
    VerifiedEvidence result = snp::verify(*report, chain, policy, clock);
    if (!result.verdict.accepted()) return state.SkipWithError("SNP vector was not accepted");
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifySnpMilan)->Unit(benchmark::kMicrosecond);

// The go-tdx-guest Sapphire Rapids quote with Intel's collateral. The vector's
// TCB levels do not match its FMSPC's current ones, so the verdict names that;
// every signature and chain is still checked.
void BM_VerifyTdxSapphireRapids(benchmark::State& state) {
  const std::string base = "attestation/tdx/go-tdx-guest-spr/";
  auto quote = read_data(base + "quote.dat");
  auto tcb_info = read_data(base + "tcb_info.json");
  auto qe_identity = read_data(base + "qe_identity.json");
  auto signing_chain = read_data(base + "tcb_signing_chain.pem");
  auto pck_crl = read_data(base + "pck_crl.der");
  auto root_crl = read_data(base + "root_crl.der");
  if (!quote || !tcb_info || !qe_identity || !signing_chain || !pck_crl || !root_crl) {
    return state.SkipWithError("shared TDX vectors missing");
  }
  tdx::TdxCollateral collateral;
  collateral.tcb_info_json = to_string(*tcb_info);
  collateral.qe_identity_json = to_string(*qe_identity);
  collateral.tcb_signing_chain = *signing_chain;
  collateral.pck_crl = *pck_crl;
  collateral.root_crl = *root_crl;
  FixedClock clock(*parse_rfc3339("2023-07-01T00:00:00Z"));
  for (auto _ : state) {
    VerifiedEvidence result = tdx::verify(*quote, collateral, tdx::Policy{}, clock);
    if (result.verdict.failures.size() != 1) {
      return state.SkipWithError("TDX vector gave an unexpected verdict");
    }
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyTdxSapphireRapids)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace cloister::attest

BENCHMARK_MAIN();
