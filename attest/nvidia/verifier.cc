#include "attest/nvidia/verifier.h"

#include <algorithm>

#include "base/encoding.h"
#include "crypto/secret_bytes.h"
#include "crypto/x509_chain.h"

namespace cloister::attest::nvidia {
namespace {

using crypto::Certificate;

std::optional<Certificate> verify_device_chain(ByteSpan certificates, TimePoint at,
                                               const TrustedRoots& roots, Verdict& verdict) {
  auto certs = crypto::parse_certificates(certificates);
  if (!certs.ok() || certs->size() < 2) {
    verdict.fail(Reason::kMalformedEvidence,
                 "GPU certificate chain: " + (certs.ok() ? std::string("needs a leaf and a root")
                                                         : certs.error().message()));
    return std::nullopt;
  }
  const Certificate& leaf = certs->front();
  auto root = std::find_if(certs->begin() + 1, certs->end(),
                           [](const Certificate& cert) { return cert.is_self_issued(); });
  if (root == certs->end()) {
    verdict.fail(Reason::kMalformedEvidence, "the GPU chain has no self-signed root");
    return std::nullopt;
  }
  if (!roots.is_nvidia_root(root->fingerprint())) {
    verdict.fail(Reason::kRootNotPinned, "root " + root->subject() + " with SHA-256 " +
                                             hex_encode(root->fingerprint()) +
                                             " is not NVIDIA's pinned device identity root");
    return std::nullopt;
  }
  for (const Certificate& cert : *certs) {
    crypto::SignatureAlgorithm algorithm = cert.signature_algorithm();
    if (algorithm.kind != crypto::SignatureAlgorithm::Kind::kEcdsa ||
        algorithm.hash != crypto::HashAlgorithm::kSha384) {
      verdict.fail(Reason::kCertificateAlgorithm, cert.subject() + " is signed with " +
                                                      algorithm.describe() + ", not ECDSA SHA-384");
      return std::nullopt;
    }
  }
  auto leaf_key = leaf.public_key();
  if (!leaf_key.ok() || leaf_key->type() != crypto::KeyType::kEcP384) {
    verdict.fail(Reason::kCertificateAlgorithm, "the GPU attestation key is not EC P-384");
    return std::nullopt;
  }
  std::vector<Certificate> intermediates;
  for (auto it = certs->begin() + 1; it != certs->end(); ++it) {
    if (it != root) intermediates.push_back(*it);
  }
  if (auto error = crypto::verify_chain(leaf, intermediates, *root, {.at = at})) {
    bool window = error->kind == crypto::ChainErrorKind::kExpired ||
                  error->kind == crypto::ChainErrorKind::kNotYetValid;
    verdict.fail(window ? Reason::kCertificateNotValidNow : Reason::kChainInvalid,
                 "GPU chain: " + error->message);
    return std::nullopt;
  }
  verdict.pass("chain: " + std::to_string(certs->size()) + " certificates from " +
               leaf.subject_attribute("CN").value_or("the GPU") +
               " to NVIDIA's pinned device identity root, valid at " + format_rfc3339(at));
  verdict.note("GPU certificate revocation is published by OCSP and not checked here");
  return leaf;
}

void check_golden(const SpdmEvidence& evidence, const GoldenMeasurements& golden,
                  Verdict& verdict) {
  size_t matched = 0;
  for (const auto& [index, values] : golden.values) {
    auto block =
        std::find_if(evidence.blocks.begin(), evidence.blocks.end(),
                     [index = index](const MeasurementBlock& b) { return b.index == index; });
    if (block == evidence.blocks.end()) {
      verdict.fail(Reason::kGoldenMeasurementMismatch,
                   "the RIM lists measurement " + std::to_string(index) + " but the GPU sent none");
      continue;
    }
    bool ok = std::any_of(values.begin(), values.end(), [&](const Bytes& value) {
      return crypto::constant_time_equals(value, block->value);
    });
    if (!ok) {
      verdict.fail(Reason::kGoldenMeasurementMismatch,
                   "measurement " + std::to_string(index) + " is " + hex_encode(block->value) +
                       ", not one of the RIM's " + std::to_string(values.size()) + " values");
      continue;
    }
    ++matched;
  }
  if (matched == golden.values.size()) {
    verdict.pass("measurements: all " + std::to_string(matched) + " RIM entries match");
  }
}

}  // namespace

VerifiedEvidence verify(ByteSpan bytes, ByteSpan certificates, const Policy& policy,
                        const Clock& clock, const TrustedRoots& roots) {
  VerifiedEvidence out;
  out.claims.platform = Platform::kNvidia;
  Verdict& verdict = out.verdict;
  auto evidence = parse_spdm_evidence(bytes);
  if (!evidence.ok()) {
    verdict.fail(evidence.error().code() == ErrorCode::kUnsupported ? Reason::kUnsupportedEvidence
                                                                    : Reason::kMalformedEvidence,
                 evidence.error().message());
    return out;
  }
  out.claims.nvidia = NvidiaClaims{.evidence = *evidence};
  verdict.pass("parse: SPDM GET_MEASUREMENTS with " + std::to_string(evidence->blocks.size()) +
               " measurement blocks");
  auto leaf = verify_device_chain(certificates, clock.now(), roots, verdict);
  if (!leaf) return out;
  out.claims.nvidia->device_subject = leaf->subject();
  ByteSpan signature(evidence->signature);
  if (!leaf->public_key()->verify_ecdsa_rs(crypto::HashAlgorithm::kSha384,
                                           bytes.first(evidence->signed_size), signature.first(48),
                                           signature.last(48))) {
    verdict.fail(Reason::kSignatureInvalid,
                 "the ECDSA P-384 signature over request || response does not verify with the "
                 "GPU's attestation key");
    return out;
  }
  verdict.pass("signature: ECDSA P-384/SHA-384 over request || response by the GPU");
  if (!policy.expected_nonce) {
    verdict.note("nonce not checked: no expected nonce given, so freshness is unproven");
  } else if (!crypto::constant_time_equals(*policy.expected_nonce, evidence->request_nonce)) {
    verdict.fail(Reason::kNonceMismatch,
                 "the request nonce " + hex_encode(evidence->request_nonce) +
                     " is not the expected " + hex_encode(*policy.expected_nonce));
  } else {
    verdict.pass("nonce: the request carried the expected nonce");
  }
  if (policy.golden) {
    check_golden(*evidence, *policy.golden, verdict);
  } else {
    verdict.note("measurements not compared: no RIM supplied");
  }
  return out;
}

}  // namespace cloister::attest::nvidia
