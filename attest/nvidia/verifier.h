// Verifies NVIDIA Hopper GPU evidence in named steps: parse (SPDM
// GET_MEASUREMENTS request || MEASUREMENTS response) -> chain (the device's
// certificates to NVIDIA's pinned device identity root) -> signature (ECDSA
// P-384 over request || response by the leaf) -> nonce -> golden
// measurements. Chain and signature failures stop verification.
#pragma once

#include "attest/claims.h"
#include "attest/nvidia/policy.h"
#include "attest/roots.h"
#include "base/clock.h"

namespace cloister::attest::nvidia {

// Verifies `evidence` with the device's `certificates` (PEM or DER, leaf
// first, the root may be included) under `policy` at `clock.now()`.
VerifiedEvidence verify(ByteSpan evidence, ByteSpan certificates, const Policy& policy,
                        const Clock& clock, const TrustedRoots& roots = TrustedRoots::pinned());

}  // namespace cloister::attest::nvidia
