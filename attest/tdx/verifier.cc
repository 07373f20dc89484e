#include "attest/tdx/verifier.h"

#include <algorithm>

#include "attest/tdx/collateral_check.h"
#include "attest/tdx/tcb_level.h"
#include "base/encoding.h"
#include "crypto/secret_bytes.h"
#include "crypto/x509_chain.h"

namespace cloister::attest::tdx {
namespace {

using crypto::Certificate;

struct PckChain {
  Certificate leaf;
  Certificate root;
  PckExtensions extensions;
};

Reason reason_for(crypto::ChainErrorKind kind) {
  switch (kind) {
    case crypto::ChainErrorKind::kNotYetValid:
    case crypto::ChainErrorKind::kExpired: return Reason::kCertificateNotValidNow;
    case crypto::ChainErrorKind::kRevoked: return Reason::kCertificateRevoked;
    case crypto::ChainErrorKind::kCrlProblem: return Reason::kCrlInvalid;
    default: return Reason::kChainInvalid;
  }
}

std::optional<PckChain> verify_pck_chain(const Quote& quote, const TdxCollateral& collateral,
                                         TimePoint at, const TrustedRoots& roots,
                                         Verdict& verdict) {
  auto certs = crypto::parse_certificates(quote.pck_chain);
  if (!certs.ok() || certs->size() < 2) {
    verdict.fail(Reason::kMalformedEvidence,
                 "PCK certificate chain: " + (certs.ok() ? std::string("needs a leaf and a root")
                                                         : certs.error().message()));
    return std::nullopt;
  }
  const Certificate& leaf = certs->front();
  auto root = std::find_if(certs->begin() + 1, certs->end(),
                           [](const Certificate& cert) { return cert.is_self_issued(); });
  if (root == certs->end()) {
    verdict.fail(Reason::kMalformedEvidence, "the PCK chain has no self-signed root");
    return std::nullopt;
  }
  if (!roots.is_intel_root(root->fingerprint())) {
    verdict.fail(Reason::kRootNotPinned, "root " + root->subject() + " with SHA-256 " +
                                             hex_encode(root->fingerprint()) +
                                             " is not a pinned Intel root");
    return std::nullopt;
  }
  auto leaf_key = leaf.public_key();
  if (!leaf_key.ok() || leaf_key->type() != crypto::KeyType::kEcP256) {
    verdict.fail(Reason::kCertificateAlgorithm, "the PCK key is not EC P-256");
    return std::nullopt;
  }
  auto pck_crl = crypto::Crl::parse(collateral.pck_crl);
  auto root_crl = crypto::Crl::parse(collateral.root_crl);
  if (!pck_crl.ok() || !root_crl.ok()) {
    verdict.fail(Reason::kCrlInvalid, !pck_crl.ok() ? "PCK CRL: " + pck_crl.error().message()
                                                    : "root CRL: " + root_crl.error().message());
    return std::nullopt;
  }
  std::vector<Certificate> intermediates;
  for (auto it = certs->begin() + 1; it != certs->end(); ++it) {
    if (it != root) intermediates.push_back(*it);
  }
  crypto::ChainOptions options{.at = at, .crls = {*pck_crl, *root_crl}, .require_crls = true};
  if (auto error = crypto::verify_chain(leaf, intermediates, *root, options)) {
    verdict.fail(reason_for(error->kind), "PCK chain: " + error->message);
    return std::nullopt;
  }
  auto extensions = decode_pck_extensions(leaf);
  if (!extensions.ok()) {
    verdict.fail(Reason::kMalformedEvidence, extensions.error().message());
    return std::nullopt;
  }
  verdict.pass("chain: PCK -> " + intermediates.front().subject_attribute("CN").value_or("CA") +
               " -> pinned Intel root, with CRLs, valid at " + format_rfc3339(at));
  return PckChain{leaf, *root, *extensions};
}

bool verify_signatures(const Quote& quote, ByteSpan bytes, const PckChain& chain,
                       Verdict& verdict) {
  ByteSpan qe_signature(quote.qe_report_signature);
  if (!chain.leaf.public_key()->verify_ecdsa_rs(crypto::HashAlgorithm::kSha256,
                                                quote.qe_report_bytes, qe_signature.first(32),
                                                qe_signature.last(32))) {
    verdict.fail(Reason::kQeReportSignatureInvalid,
                 "the QE report signature does not verify with the PCK key");
    return false;
  }
  verdict.pass("QE report signature: ECDSA P-256 by the PCK key");

  Bytes bound = to_bytes(quote.attestation_key);
  bound.insert(bound.end(), quote.qe_auth_data.begin(), quote.qe_auth_data.end());
  crypto::Sha256Digest expected = crypto::sha256(bound);
  ByteSpan report_data(quote.qe_report.report_data);
  bool tail_zero =
      std::all_of(report_data.begin() + 32, report_data.end(), [](uint8_t b) { return b == 0; });
  if (!crypto::constant_time_equals(report_data.first(32), expected) || !tail_zero) {
    verdict.fail(Reason::kAttestationKeyNotBound,
                 "QE REPORTDATA is not SHA-256(attestation key || QE auth data) || zeros");
    return false;
  }
  verdict.pass("attestation key binding: QE REPORTDATA = SHA-256(key || auth data)");

  auto key =
      crypto::PublicKey::from_ec_coordinates(crypto::KeyType::kEcP256, quote.attestation_key);
  ByteSpan signature(quote.signature);
  if (!key.ok() ||
      !key->verify_ecdsa_rs(crypto::HashAlgorithm::kSha256, bytes.first(quote.signed_size),
                            signature.first(32), signature.last(32))) {
    verdict.fail(Reason::kSignatureInvalid,
                 "the quote signature over header and TD report does not verify with the "
                 "attestation key");
    return false;
  }
  verdict.pass("quote signature: ECDSA P-256 over header and TD report by the attestation key");
  return true;
}

bool status_accepted(const Policy& policy, const std::string& status) {
  return std::find(policy.accepted_tcb_statuses.begin(), policy.accepted_tcb_statuses.end(),
                   status) != policy.accepted_tcb_statuses.end();
}

void check_tcb(const Quote& quote, const PckChain& chain, const CheckedCollateral& collateral,
               const Policy& policy, TdxClaims& claims, Verdict& verdict) {
  if (collateral.qe_identity) {
    auto qe_status = check_qe_identity(*collateral.qe_identity, quote.qe_report);
    if (!qe_status.ok()) {
      verdict.fail(Reason::kQeIdentityMismatch, qe_status.error().message());
    } else {
      claims.qe_tcb_status = *qe_status;
      if (!status_accepted(policy, *qe_status)) {
        verdict.fail(Reason::kTcbStatusNotAccepted, "QE TCB status is " + *qe_status);
      } else {
        verdict.pass("QE identity: matches, status " + *qe_status);
      }
    }
  }
  if (!collateral.tcb_info) return;
  if (auto problem = check_tdx_module(*collateral.tcb_info, quote.body)) {
    verdict.fail(Reason::kTdxModuleMismatch, *problem);
  }
  auto match = match_tcb_level(*collateral.tcb_info, chain.extensions, quote.body);
  if (!match) {
    std::string sgx;
    for (uint8_t svn : chain.extensions.sgx_tcb_components) {
      sgx += (sgx.empty() ? "" : " ") + std::to_string(svn);
    }
    verdict.fail(Reason::kTcbLevelNotMatched,
                 "PCK SGX components [" + sgx + "] PCESVN " +
                     std::to_string(chain.extensions.pce_svn) + " with TEE_TCB_SVN " +
                     hex_encode(quote.body.tee_tcb_svn) + " are below all " +
                     std::to_string(collateral.tcb_info->levels.size()) + " TCB levels");
    return;
  }
  claims.tcb_status = match->level->status;
  claims.tcb_date = match->level->tcb_date;
  claims.advisory_ids = match->level->advisory_ids;
  if (!status_accepted(policy, match->level->status)) {
    verdict.fail(Reason::kTcbStatusNotAccepted, "the platform's TCB level (" +
                                                    match->level->tcb_date + ") has status " +
                                                    match->level->status);
    return;
  }
  verdict.pass("tcb: level of " + match->level->tcb_date + ", status " + match->level->status);
}

}  // namespace

void check_policy(const TdReportBody& body, const Policy& policy, Verdict& verdict) {
  if (td_debug(body) && !policy.allow_debug) {
    verdict.fail(Reason::kDebugPolicySet,
                 "TD_ATTRIBUTES.DEBUG is set: the host can inspect the TD");
  } else {
    verdict.pass(td_debug(body) ? "debug: allowed by policy" : "debug: TD_ATTRIBUTES.DEBUG clear");
  }
  if (!policy.accepted_mrtds) {
    verdict.note("MRTD not checked: the policy lists no release measurements");
  } else {
    bool found = std::any_of(
        policy.accepted_mrtds->begin(), policy.accepted_mrtds->end(),
        [&](const Measurement& mrtd) { return crypto::constant_time_equals(mrtd, body.mr_td); });
    if (found) {
      verdict.pass("measurement: MRTD is in the release");
    } else {
      verdict.fail(Reason::kMeasurementNotInRelease,
                   "MRTD " + hex_encode(body.mr_td) + " is not among the " +
                       std::to_string(policy.accepted_mrtds->size()) + " accepted values");
    }
  }
  for (size_t i = 0; i < body.rtmr.size(); ++i) {
    const auto& expected = policy.expected_rtmrs[i];
    if (!expected) continue;
    if (!crypto::constant_time_equals(*expected, body.rtmr[i])) {
      verdict.fail(Reason::kRtmrMismatch, "RTMR" + std::to_string(i) + " is " +
                                              hex_encode(body.rtmr[i]) + ", expected " +
                                              hex_encode(*expected));
    } else {
      verdict.pass("RTMR" + std::to_string(i) + " matches");
    }
  }
  if (!policy.expected_report_data) {
    verdict.note("REPORTDATA not checked: no expected value given");
  } else if (!crypto::constant_time_equals(*policy.expected_report_data, body.report_data)) {
    verdict.fail(Reason::kReportDataMismatch, "REPORTDATA " + hex_encode(body.report_data) +
                                                  " differs from the expected binding");
  } else {
    verdict.pass("binding: REPORTDATA equals the expected value");
  }
}

VerifiedEvidence verify(ByteSpan bytes, const TdxCollateral& collateral, const Policy& policy,
                        const Clock& clock, const TrustedRoots& roots) {
  VerifiedEvidence out;
  out.claims.platform = Platform::kTdx;
  Verdict& verdict = out.verdict;
  auto quote = parse_quote(bytes);
  if (!quote.ok()) {
    verdict.fail(quote.error().code() == ErrorCode::kUnsupported ? Reason::kUnsupportedEvidence
                                                                 : Reason::kMalformedEvidence,
                 quote.error().message());
    return out;
  }
  out.claims.tdx = TdxClaims{.quote = *quote};
  out.claims.measurement = to_bytes(quote->body.mr_td);
  out.claims.report_data = to_bytes(quote->body.report_data);
  verdict.pass("parse: TDX quote version " + std::to_string(quote->header.version));
  if (quote->trailing_bytes > 0) {
    verdict.note(std::to_string(quote->trailing_bytes) +
                 " bytes after the signature data are covered by no signature and ignored");
  }
  const TimePoint at = clock.now();
  auto chain = verify_pck_chain(*quote, collateral, at, roots, verdict);
  if (!chain) return out;
  out.claims.tdx->fmspc = hex_encode(chain->extensions.fmspc);
  if (!verify_signatures(*quote, bytes, *chain, verdict)) return out;
  CheckedCollateral checked =
      check_collateral(collateral, chain->root, chain->extensions, at, verdict);
  check_tcb(*quote, *chain, checked, policy, *out.claims.tdx, verdict);
  check_policy(quote->body, policy, verdict);
  return out;
}

}  // namespace cloister::attest::tdx
