// The one entry point a client needs: verify evidence of any platform from
// bytes, under one policy, at an injected time, and get back a verdict with
// the decoded claims. The enclave's evidence bundle carries exactly these
// bytes (see docs/attestation.md, "Evidence bytes").
#pragma once

#include <array>

#include "attest/claims.h"
#include "attest/nvidia/policy.h"
#include "attest/roots.h"
#include "attest/snp/policy.h"
#include "attest/tdx/policy.h"
#include "base/clock.h"

namespace cloister::attest {

// Evidence as it travels. Per platform:
//   snp:    report = the 1184-byte ATTESTATION_REPORT;
//           collateral = VCEK or VLEK, ASK or ASVK, and ARK, as PEM, as
//           concatenated DER, or as a GHCB certificate table (configfs-tsm auxblob).
//   tdx:    report = the DCAP quote (v4 or v5);
//           collateral = tdx::encode_collateral(TCB info, QE identity, TCB
//           signing chain, PCK CRL, root CRL).
//   nvidia: report = SPDM GET_MEASUREMENTS request || MEASUREMENTS response;
//           collateral = the GPU's certificate chain (PEM or DER, leaf first).
struct EvidenceBytes {
  Platform platform = Platform::kSnp;
  Bytes report{};
  Bytes collateral{};
};

// One policy for every platform; each verifier reads its own part.
struct Policy {
  snp::Policy snp{};
  tdx::Policy tdx{};
  nvidia::Policy nvidia{};

  // Sets the 64-byte REPORT_DATA (SNP) / REPORTDATA (TDX) the session binding expects.
  void expect_report_data(const std::array<uint8_t, 64>& report_data);
  // Development only: accept SIMULATED SNP evidence (every output then says SIMULATED).
  void allow_simulated(bool allow) { snp.allow_simulated = allow; }
};

// Verifies `evidence` under `policy` with certificate and collateral validity
// judged at `clock.now()`. Never throws; malformed bytes give a rejecting
// verdict whose reason is "malformed evidence".
VerifiedEvidence verify_evidence(const EvidenceBytes& evidence, const Policy& policy,
                                 const Clock& clock,
                                 const TrustedRoots& roots = TrustedRoots::pinned());

// Packs NVIDIA evidence (SPDM transcript and certificate chain) into the one
// byte string the session's evidence bundle carries as gpu_evidence: a
// version byte (1), then the transcript and the chain, each with a
// big-endian u32 length.
Bytes encode_gpu_evidence(const EvidenceBytes& nvidia);
// Unpacks what encode_gpu_evidence produced, as EvidenceBytes for kNvidia.
Result<EvidenceBytes> decode_gpu_evidence(ByteSpan packed);

// Decodes `report` without verifying anything (for display only).
Result<Claims> parse_evidence(Platform platform, ByteSpan report);

}  // namespace cloister::attest
