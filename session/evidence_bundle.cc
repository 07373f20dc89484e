#include "session/evidence_bundle.h"

#include <string>

namespace cloister::session {
namespace {

Status put_field(ByteWriter& out, ByteSpan field) {
  return out.put_prefixed(4, [&](ByteWriter& body) { body.put_bytes(field); });
}

Result<Bytes> read_field(ByteReader& in, std::string_view what, bool allow_empty) {
  CLOISTER_ASSIGN_OR_RETURN(ByteReader field, in.read_u32be_prefixed(what));
  if (!allow_empty && field.empty()) return in.malformed(what, "is empty");
  return to_bytes(field.read_rest());
}

}  // namespace

std::string_view platform_name(Platform platform) {
  switch (platform) {
    case Platform::kSevSnp: return "sev-snp";
    case Platform::kTdx: return "tdx";
    case Platform::kSimulatedSevSnp: return "simulated-sev-snp";
  }
  return "unknown";
}

crypto::Sha256Digest manifest_digest(ByteSpan manifest) { return crypto::sha256(manifest); }

ReportData compute_report_data(const crypto::X25519PublicKey& enclave_static_key,
                               const crypto::Ed25519PublicKey& receipt_public_key,
                               const crypto::Sha256Digest& manifest_sha256,
                               const std::optional<Nonce>& nonce) {
  Nonce nonce_or_zeros = nonce.value_or(Nonce{});
  Bytes digest = crypto::Hasher(crypto::HashAlgorithm::kSha512)
                     .update(as_bytes(kReportDataLabel))
                     .update(enclave_static_key)
                     .update(receipt_public_key)
                     .update(manifest_sha256)
                     .update(nonce_or_zeros)
                     .finish();
  ReportData out{};
  std::copy(digest.begin(), digest.end(), out.begin());
  return out;
}

ReportData expected_report_data(const EvidenceBundle& bundle,
                                const crypto::X25519PublicKey& enclave_static_key,
                                const std::optional<Nonce>& nonce) {
  return compute_report_data(enclave_static_key, bundle.receipt_public_key,
                             manifest_digest(bundle.manifest), nonce);
}

Result<Bytes> encode_evidence_bundle(const EvidenceBundle& bundle) {
  if (bundle.report.empty() || bundle.manifest.empty()) {
    return Error(ErrorCode::kInvalidArgument, "evidence bundle needs a report and a manifest");
  }
  if ((bundle.tlog_proof.format == TlogProofFormat::kNone) != bundle.tlog_proof.bytes.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "transparency-log proof bytes must be present exactly when a format is set");
  }
  ByteWriter out;
  out.put_u8(kEvidenceBundleFormat1);
  out.put_u8(static_cast<uint8_t>(bundle.platform));
  CLOISTER_TRY(put_field(out, bundle.report));
  CLOISTER_TRY(put_field(out, bundle.collateral));
  CLOISTER_TRY(put_field(out, bundle.gpu_evidence));
  CLOISTER_TRY(put_field(out, bundle.manifest));
  out.put_bytes(bundle.receipt_public_key);
  out.put_u8(static_cast<uint8_t>(bundle.tlog_proof.format));
  CLOISTER_TRY(put_field(out, bundle.tlog_proof.bytes));
  return out.take();
}

Result<EvidenceBundle> decode_evidence_bundle(ByteSpan encoded) {
  ByteReader in(encoded);
  CLOISTER_ASSIGN_OR_RETURN(uint8_t format, in.read_u8("evidence bundle format"));
  if (format != kEvidenceBundleFormat1) {
    return Error(ErrorCode::kMalformed, "unknown evidence bundle format " + std::to_string(format));
  }
  EvidenceBundle bundle;
  CLOISTER_ASSIGN_OR_RETURN(uint8_t platform, in.read_u8("platform"));
  if (platform < 1 || platform > 3) {
    return Error(ErrorCode::kMalformed, "unknown evidence platform " + std::to_string(platform));
  }
  bundle.platform = static_cast<Platform>(platform);
  CLOISTER_ASSIGN_OR_RETURN(bundle.report, read_field(in, "report", false));
  CLOISTER_ASSIGN_OR_RETURN(bundle.collateral, read_field(in, "collateral", true));
  CLOISTER_ASSIGN_OR_RETURN(bundle.gpu_evidence, read_field(in, "GPU evidence", true));
  CLOISTER_ASSIGN_OR_RETURN(bundle.manifest, read_field(in, "manifest", false));
  CLOISTER_TRY(in.read_into(bundle.receipt_public_key, "receipt public key"));
  CLOISTER_ASSIGN_OR_RETURN(uint8_t proof_format, in.read_u8("transparency-log proof format"));
  if (proof_format > 1) {
    return Error(ErrorCode::kMalformed,
                 "unknown transparency-log proof format " + std::to_string(proof_format));
  }
  bundle.tlog_proof.format = static_cast<TlogProofFormat>(proof_format);
  bool has_proof = bundle.tlog_proof.format != TlogProofFormat::kNone;
  CLOISTER_ASSIGN_OR_RETURN(bundle.tlog_proof.bytes,
                            read_field(in, "transparency-log proof", !has_proof));
  if (!has_proof && !bundle.tlog_proof.bytes.empty()) {
    return Error(ErrorCode::kMalformed, "transparency-log proof bytes without a format");
  }
  CLOISTER_TRY(in.expect_end("evidence bundle"));
  return bundle;
}

}  // namespace cloister::session
