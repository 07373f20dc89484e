// Verifies an Intel TDX DCAP quote (v4 or v5) in named steps: parse -> PCK
// chain to the pinned Intel root with CRLs -> QE report signature -> the QE
// report binds the attestation key -> quote signature -> collateral (TCB
// signing chain, TCB info and QE identity signatures, validity windows,
// FMSPC) -> QE identity, TDX module and TCB level -> policy (debug, MRTD,
// RTMRs) -> binding (REPORTDATA). Chain and signature failures stop
// verification; collateral and policy checks all run.
#pragma once

#include "attest/claims.h"
#include "attest/roots.h"
#include "attest/tdx/collateral.h"
#include "attest/tdx/policy.h"
#include "base/clock.h"

namespace cloister::attest::tdx {

// Verifies `quote` with its `collateral` under `policy` at `clock.now()`.
// The policy and binding step alone: TD_ATTRIBUTES.DEBUG, MRTD, RTMRs and
// REPORTDATA of an already authenticated quote body.
void check_policy(const TdReportBody& body, const Policy& policy, Verdict& verdict);

VerifiedEvidence verify(ByteSpan quote, const TdxCollateral& collateral, const Policy& policy,
                        const Clock& clock, const TrustedRoots& roots = TrustedRoots::pinned());

}  // namespace cloister::attest::tdx
