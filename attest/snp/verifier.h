// Verifies an SEV-SNP attestation report in named steps: parse -> chain ->
// signature -> policy (TCB, chip id, guest policy bits, VMPL, guest SVN,
// measurement) -> binding (REPORT_DATA). Chain and signature failures stop
// verification; every policy and binding check runs, so that a verdict lists
// all its reasons.
#pragma once

#include "attest/claims.h"
#include "attest/roots.h"
#include "attest/snp/policy.h"
#include "base/clock.h"

namespace cloister::attest::snp {

// Verifies `report` (1184 bytes) against `certificates` (VCEK/VLEK, ASK/ASVK
// and ARK as PEM, DER or a GHCB certificate table) under `policy`, with
// certificate validity judged at `clock.now()`.
VerifiedEvidence verify(ByteSpan report, ByteSpan certificates, const Policy& policy,
                        const Clock& clock, const TrustedRoots& roots = TrustedRoots::pinned());

}  // namespace cloister::attest::snp
