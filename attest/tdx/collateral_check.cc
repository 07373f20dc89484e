#include "attest/tdx/collateral_check.h"

#include "base/encoding.h"
#include "crypto/x509_chain.h"

namespace cloister::attest::tdx {
namespace {

std::optional<crypto::PublicKey> verify_signing_chain(const TdxCollateral& collateral,
                                                      const crypto::Certificate& root, TimePoint at,
                                                      Verdict& verdict) {
  auto certs = crypto::parse_certificates(collateral.tcb_signing_chain);
  if (!certs.ok()) {
    verdict.fail(Reason::kCollateralInvalid, "TCB signing chain: " + certs.error().message());
    return std::nullopt;
  }
  auto root_crl = crypto::Crl::parse(collateral.root_crl);
  if (!root_crl.ok()) {
    verdict.fail(Reason::kCrlInvalid, "root CRL: " + root_crl.error().message());
    return std::nullopt;
  }
  const crypto::Certificate& signer = certs->front();
  std::vector<crypto::Certificate> intermediates;
  for (size_t i = 1; i < certs->size(); ++i) {
    if ((*certs)[i].fingerprint() != root.fingerprint()) intermediates.push_back((*certs)[i]);
  }
  crypto::ChainOptions options{.at = at, .crls = {*root_crl}, .require_crls = true};
  if (auto error = crypto::verify_chain(signer, intermediates, root, options)) {
    Reason reason = error->kind == crypto::ChainErrorKind::kExpired ||
                            error->kind == crypto::ChainErrorKind::kNotYetValid
                        ? Reason::kCertificateNotValidNow
                        : Reason::kCollateralInvalid;
    verdict.fail(reason, "TCB signing chain: " + error->message);
    return std::nullopt;
  }
  auto key = signer.public_key();
  if (!key.ok() || key->type() != crypto::KeyType::kEcP256) {
    verdict.fail(Reason::kCertificateAlgorithm, "the TCB signing key is not EC P-256");
    return std::nullopt;
  }
  verdict.pass("collateral chain: " + signer.subject_attribute("CN").value_or("TCB signer") +
               " -> pinned Intel root, with the root CRL");
  return *key;
}

// Splits `json_text`, checks its signature and returns the signed body.
std::optional<std::string> verified_body(std::string_view json_text, std::string_view key,
                                         const crypto::PublicKey& signer, Verdict& verdict) {
  auto document = split_signed_document(json_text, key);
  if (!document.ok()) {
    verdict.fail(Reason::kCollateralInvalid, std::string(key) + ": " + document.error().message());
    return std::nullopt;
  }
  ByteSpan signature(document->signature);
  if (!signer.verify_ecdsa_rs(crypto::HashAlgorithm::kSha256, as_bytes(document->body),
                              signature.first(32), signature.last(32))) {
    verdict.fail(Reason::kCollateralInvalid,
                 std::string(key) + " signature does not verify with the TCB signing key");
    return std::nullopt;
  }
  verdict.pass("collateral: " + std::string(key) + " signature verifies");
  return document->body;
}

void check_window(std::string_view what, TimePoint issued, TimePoint next_update, TimePoint at,
                  Verdict& verdict) {
  if (at < issued || at > next_update) {
    verdict.fail(Reason::kCollateralNotValidNow,
                 std::string(what) + " is valid from " + format_rfc3339(issued) + " to " +
                     format_rfc3339(next_update) + ", not at " + format_rfc3339(at));
  }
}

}  // namespace

CheckedCollateral check_collateral(const TdxCollateral& collateral, const crypto::Certificate& root,
                                   const PckExtensions& pck, TimePoint at, Verdict& verdict) {
  CheckedCollateral out;
  auto signer = verify_signing_chain(collateral, root, at, verdict);
  if (!signer) return out;

  if (auto body = verified_body(collateral.tcb_info_json, "tcbInfo", *signer, verdict)) {
    auto info = parse_tcb_info(*body);
    if (!info.ok()) {
      verdict.fail(Reason::kCollateralInvalid, "tcbInfo: " + info.error().message());
    } else if (info->id != "TDX" || info->version < 3) {
      verdict.fail(Reason::kCollateralInvalid, "tcbInfo is \"" + info->id + "\" version " +
                                                   std::to_string(info->version) +
                                                   ", expected TDX version 3");
    } else {
      check_window("tcbInfo", info->issue_date, info->next_update, at, verdict);
      if (info->fmspc != pck.fmspc || info->pce_id != pck.pce_id) {
        verdict.fail(Reason::kFmspcMismatch,
                     "tcbInfo is for FMSPC " + hex_encode(info->fmspc) + " PCE-ID " +
                         hex_encode(info->pce_id) + ", the PCK certificate says " +
                         hex_encode(pck.fmspc) + " / " + hex_encode(pck.pce_id));
      } else {
        verdict.pass("collateral: tcbInfo is for FMSPC " + hex_encode(pck.fmspc));
        out.tcb_info = std::move(info).value();
      }
    }
  }
  if (auto body = verified_body(collateral.qe_identity_json, "enclaveIdentity", *signer, verdict)) {
    auto identity = parse_qe_identity(*body);
    if (!identity.ok()) {
      verdict.fail(Reason::kCollateralInvalid, "enclaveIdentity: " + identity.error().message());
    } else if (identity->id != "TD_QE") {
      verdict.fail(Reason::kCollateralInvalid,
                   "enclaveIdentity is \"" + identity->id + "\", expected TD_QE");
    } else {
      check_window("enclaveIdentity", identity->issue_date, identity->next_update, at, verdict);
      out.qe_identity = std::move(identity).value();
    }
  }
  return out;
}

}  // namespace cloister::attest::tdx
