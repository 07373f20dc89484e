#include "attest/snp/verifier.h"

#include <algorithm>
#include <cstdio>

#include "attest/snp/chain.h"
#include "base/encoding.h"
#include "crypto/secret_bytes.h"

namespace cloister::attest::snp {
namespace {

std::string hex_u64(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

// AMD stores R and S little-endian in 72 bytes; P-384 scalars use 48.
std::optional<Bytes> big_endian_scalar(const std::array<uint8_t, kSignatureComponentSize>& le) {
  Bytes be(le.rbegin(), le.rend());
  constexpr size_t kScalar = 48;
  if (std::any_of(be.begin(), be.begin() + (be.size() - kScalar), [](uint8_t b) { return b; })) {
    return std::nullopt;
  }
  return Bytes(be.end() - kScalar, be.end());
}

bool check_signature(const Report& report, ByteSpan bytes, const VerifiedChain& chain,
                     Verdict& verdict) {
  if (report.signature_algo != kSignatureAlgoEcdsaP384Sha384) {
    verdict.fail(Reason::kUnsupportedEvidence,
                 "SIGNATURE_ALGO is " + std::to_string(report.signature_algo) +
                     ", only 1 (ECDSA P-384 with SHA-384) is defined");
    return false;
  }
  bool report_says_vlek = report.signing_key == SigningKey::kVlek;
  bool chain_is_vlek = chain.endorsement.kind == EndorsementKind::kVlek;
  if (report.signing_key == SigningKey::kNone || report_says_vlek != chain_is_vlek) {
    verdict.fail(Reason::kChainInvalid, std::string("the report's SIGNING_KEY names ") +
                                            (report.signing_key == SigningKey::kNone ? "no key"
                                             : report_says_vlek                      ? "the VLEK"
                                                                                     : "the VCEK") +
                                            " but the chain ends in a " +
                                            (chain_is_vlek ? "VLEK" : "VCEK"));
    return false;
  }
  auto r = big_endian_scalar(report.signature_r);
  auto s = big_endian_scalar(report.signature_s);
  auto key = chain.endorsement_cert.public_key();
  if (!r || !s || !key.ok() ||
      !key->verify_ecdsa_rs(crypto::HashAlgorithm::kSha384, signed_part(bytes), *r, *s)) {
    verdict.fail(Reason::kSignatureInvalid,
                 "the ECDSA P-384 signature over report bytes [0, 0x2A0) does not verify with "
                 "the " +
                     std::string(chain_is_vlek ? "VLEK" : "VCEK") + " key");
    return false;
  }
  verdict.pass("signature: ECDSA P-384/SHA-384 over bytes [0, 0x2A0) by the " +
               std::string(chain_is_vlek ? "VLEK" : "VCEK"));
  return true;
}

void check_tcb(const Report& report, const VerifiedChain& chain, const Policy& policy,
               Verdict& verdict) {
  const AmdProduct product = chain.product;
  TcbParts reported = decode_tcb(report.reported_tcb, product);
  TcbParts current = decode_tcb(report.current_tcb, product);
  const TcbParts& certified = chain.endorsement.tcb;
  bool ok = true;
  if (reported != certified) {
    verdict.fail(Reason::kReportedTcbMismatch, "REPORTED_TCB " + reported.describe(product) +
                                                   " but the endorsement key was derived for " +
                                                   certified.describe(product));
    ok = false;
  }
  if (!tcb_at_least(current, certified)) {
    verdict.fail(Reason::kCertificateTcbAboveCurrent,
                 "the endorsement key's TCB " + certified.describe(product) +
                     " exceeds CURRENT_TCB " + current.describe(product));
    ok = false;
  }
  if (policy.minimum_tcb && !tcb_at_least(reported, *policy.minimum_tcb)) {
    verdict.fail(Reason::kTcbBelowMinimum, "REPORTED_TCB " + reported.describe(product) +
                                               " is below the policy minimum " +
                                               policy.minimum_tcb->describe(product));
    ok = false;
  }
  if (!policy.minimum_tcb) verdict.note("no minimum TCB in the policy");
  if (ok) verdict.pass("tcb: reported " + reported.describe(product) + " matches the certificate");
}

void check_chip_id(const Report& report, const VerifiedChain& chain, Verdict& verdict) {
  if (chain.endorsement.kind == EndorsementKind::kVlek) {
    verdict.note("VLEK-signed: the report is tied to the cloud provider " +
                 chain.endorsement.csp_id + ", not to a chip id");
    return;
  }
  if (report.mask_chip_key) {
    verdict.note("MASK_CHIP_KEY is set: CHIP_ID is zero and cannot be compared");
    return;
  }
  const Bytes& hwid = chain.endorsement.hwid;
  ByteSpan chip(report.chip_id);
  bool rest_zero = std::all_of(chip.begin() + static_cast<ptrdiff_t>(hwid.size()), chip.end(),
                               [](uint8_t b) { return b == 0; });
  if (!crypto::constant_time_equals(chip.first(hwid.size()), hwid) || !rest_zero) {
    verdict.fail(Reason::kChipIdMismatch,
                 "CHIP_ID " + hex_encode(chip) + " is not the VCEK hwID " + hex_encode(hwid));
    return;
  }
  verdict.pass("chip id: CHIP_ID equals the VCEK hwID");
}

void check_guest_policy(const Report& report, const Policy& policy, Verdict& verdict) {
  const GuestPolicy& guest = report.policy;
  bool ok = true;
  if (guest.debug && !policy.allow_debug) {
    verdict.fail(Reason::kDebugPolicySet,
                 "guest POLICY has DEBUG (bit 19) set: the host can read and write guest memory");
    ok = false;
  }
  if (guest.migrate_ma && !policy.allow_migration_agent) {
    verdict.fail(Reason::kMigrationAgentAllowed,
                 "guest POLICY has MIGRATE_MA (bit 18) set: a migration agent may export the VM");
    ok = false;
  }
  if (guest.smt && !policy.allow_smt) {
    verdict.fail(Reason::kSmtNotAllowed, "guest POLICY allows SMT (bit 16), the policy forbids it");
    ok = false;
  }
  if (ok) {
    verdict.pass("guest policy: " + hex_u64(guest.raw) +
                 (guest.debug ? " (DEBUG allowed by policy)" : " (no DEBUG)"));
  }
}

void check_vmpl_and_svn(const Report& report, const Policy& policy, Verdict& verdict) {
  if (policy.required_vmpl) {
    if (report.vmpl != *policy.required_vmpl) {
      verdict.fail(Reason::kVmplMismatch, "VMPL is " + std::to_string(report.vmpl) +
                                              ", the policy requires " +
                                              std::to_string(*policy.required_vmpl));
    } else {
      verdict.pass("vmpl: " + std::to_string(report.vmpl));
    }
  }
  if (report.guest_svn < policy.minimum_guest_svn) {
    verdict.fail(Reason::kGuestSvnBelowMinimum, "GUEST_SVN " + std::to_string(report.guest_svn) +
                                                    " is below " +
                                                    std::to_string(policy.minimum_guest_svn));
  }
}

void check_measurement(const Report& report, const Policy& policy, Verdict& verdict) {
  if (!policy.accepted_measurements) {
    verdict.note("measurement not checked: the policy lists no release measurements");
    return;
  }
  for (const Bytes& accepted : *policy.accepted_measurements) {
    if (crypto::constant_time_equals(accepted, report.measurement)) {
      verdict.pass("measurement: " + hex_encode(report.measurement) + " is in the release");
      return;
    }
  }
  verdict.fail(Reason::kMeasurementNotInRelease,
               "MEASUREMENT " + hex_encode(report.measurement) + " is not among the " +
                   std::to_string(policy.accepted_measurements->size()) + " accepted measurements");
}

void check_report_data(const Report& report, const Policy& policy, Verdict& verdict) {
  if (!policy.expected_report_data) {
    verdict.note("REPORT_DATA not checked: no expected value given");
    return;
  }
  if (!crypto::constant_time_equals(*policy.expected_report_data, report.report_data)) {
    verdict.fail(Reason::kReportDataMismatch, "REPORT_DATA " + hex_encode(report.report_data) +
                                                  " differs from the expected binding");
    return;
  }
  verdict.pass("binding: REPORT_DATA equals the expected value");
}

void check_cpuid(const Report& report, AmdProduct product, Verdict& verdict) {
  if (!report.cpuid) return;
  const CpuId& id = *report.cpuid;
  bool ok = false;
  switch (product) {
    case AmdProduct::kMilan: ok = id.family == 0x19 && (id.model >> 4) == 0x0; break;
    case AmdProduct::kGenoa: ok = id.family == 0x19 && (id.model >> 4) == 0x1; break;
    case AmdProduct::kTurin: ok = id.family == 0x1A && (id.model >> 4) <= 0x1; break;
  }
  if (!ok) {
    verdict.fail(Reason::kProductMismatch, "CPUID family 0x" + hex_encode(Bytes{id.family}) +
                                               " model 0x" + hex_encode(Bytes{id.model}) +
                                               " is not a " +
                                               std::string(amd_product_name(product)) + " CPU");
  }
}

}  // namespace

VerifiedEvidence verify(ByteSpan bytes, ByteSpan certificates, const Policy& policy,
                        const Clock& clock, const TrustedRoots& roots) {
  VerifiedEvidence out;
  out.claims.platform = Platform::kSnp;
  Verdict& verdict = out.verdict;
  auto report = parse_report(bytes);
  if (!report.ok()) {
    verdict.fail(report.error().code() == ErrorCode::kUnsupported ? Reason::kUnsupportedEvidence
                                                                  : Reason::kMalformedEvidence,
                 report.error().message());
    return out;
  }
  out.claims.snp = SnpClaims{*report, std::nullopt, std::nullopt};
  out.claims.measurement = to_bytes(report->measurement);
  out.claims.report_data = to_bytes(report->report_data);
  verdict.pass("parse: SNP report version " + std::to_string(report->version));

  auto chain = verify_snp_chain(certificates, policy.allow_simulated, clock.now(), roots, verdict);
  out.claims.simulated = verdict.simulated;
  if (!chain) return out;
  out.claims.snp->product = chain->product;
  out.claims.snp->endorsement_key = chain->endorsement;
  if (!check_signature(*report, bytes, *chain, verdict)) return out;

  check_cpuid(*report, chain->product, verdict);
  check_tcb(*report, *chain, policy, verdict);
  check_chip_id(*report, *chain, verdict);
  check_guest_policy(*report, policy, verdict);
  check_vmpl_and_svn(*report, policy, verdict);
  check_measurement(*report, policy, verdict);
  check_report_data(*report, policy, verdict);
  return out;
}

}  // namespace cloister::attest::snp
