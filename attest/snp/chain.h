// The chain step for SEV-SNP: VCEK or VLEK -> ASK or ASVK -> ARK. The ARK must
// be pinned (its fingerprint tells the product), every certificate must use
// AMD's algorithms (RSASSA-PSS SHA-384 salt 48 for the signatures, RSA-4096
// ARK/ASK keys, an EC P-384 leaf key), and the path must validate at the
// injected time. A SIMULATED stand-in chain passes only with allow_simulated.
#pragma once

#include <optional>
#include <vector>

#include "attest/roots.h"
#include "attest/snp/endorsement_key.h"
#include "attest/verdict.h"
#include "base/clock.h"

namespace cloister::attest::snp {

struct VerifiedChain {
  AmdProduct product;
  bool simulated = false;
  crypto::Certificate endorsement_cert;
  EndorsementKeyInfo endorsement;
};

// Parses the certificates for an SNP report: PEM, concatenated DER, or a GHCB
// certificate table (whose entries may themselves be DER or PEM).
Result<std::vector<crypto::Certificate>> parse_snp_certificates(ByteSpan data);

// Runs the chain step over `certificates` (in any order). Records what passed
// or failed in `verdict` and returns the verified chain, or nullopt on failure.
std::optional<VerifiedChain> verify_snp_chain(ByteSpan certificates, bool allow_simulated,
                                              TimePoint at, const TrustedRoots& roots,
                                              Verdict& verdict);

}  // namespace cloister::attest::snp
