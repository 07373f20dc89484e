// The evidence bundle the enclave sends in handshake message 2, and the
// REPORT_DATA value that binds it to the session (docs/protocol.md,
// "Evidence bundle" and "Binding"). The session layer only carries and
// binds evidence; verifying it is the caller's (attest/, tlog/).
#pragma once

#include <array>
#include <optional>

#include "base/bytes.h"
#include "crypto/curve25519.h"
#include "crypto/hash.h"
#include "session/wire.h"

namespace cloister::session {

inline constexpr uint8_t kEvidenceBundleFormat1 = 1;
inline constexpr std::string_view kReportDataLabel = "cloister/report-data/v1";
inline constexpr size_t kReportDataSize = 64;
using ReportData = std::array<uint8_t, kReportDataSize>;

enum class Platform : uint8_t {
  kSevSnp = 1,
  kTdx = 2,
  kSimulatedSevSnp = 3,  // development only; clients accept it only when told to
};

// Returns "sev-snp", "tdx" or "simulated-sev-snp".
std::string_view platform_name(Platform platform);

// The formats of the transparency-log proof slot; tlog/ defines the bytes.
enum class TlogProofFormat : uint8_t {
  kNone = 0,
  kTlogV1 = 1,  // tlog's release proof, version 1 (tlog/release_proof.h, magic "CLRP")
};

struct TlogProof {
  TlogProofFormat format = TlogProofFormat::kNone;
  Bytes bytes;  // empty exactly when format is kNone

  friend bool operator==(const TlogProof&, const TlogProof&) = default;
};

struct EvidenceBundle {
  Platform platform = Platform::kSevSnp;
  Bytes report;        // SNP attestation report or TDX quote
  Bytes collateral;    // certificate chain (VCEK/VLEK, ASK, ARK) or TDX collateral
  Bytes gpu_evidence;  // NVIDIA evidence; empty when there is no GPU
  Bytes manifest;      // the release manifest, canonical JSON
  crypto::Ed25519PublicKey receipt_public_key{};  // signs per-response receipts
  TlogProof tlog_proof;

  friend bool operator==(const EvidenceBundle&, const EvidenceBundle&) = default;
};

// Returns SHA-256 of the manifest bytes, the digest that REPORT_DATA binds.
crypto::Sha256Digest manifest_digest(ByteSpan manifest);

// Returns REPORT_DATA = SHA-512("cloister/report-data/v1" || enclave static
// Noise public key || receipt public key || manifest digest || nonce, or 32
// zero bytes when there is none).
ReportData compute_report_data(const crypto::X25519PublicKey& enclave_static_key,
                               const crypto::Ed25519PublicKey& receipt_public_key,
                               const crypto::Sha256Digest& manifest_sha256,
                               const std::optional<Nonce>& nonce);

// Returns the REPORT_DATA that `bundle` must carry when it arrives from the
// enclave whose static key is `enclave_static_key`, for `nonce`.
ReportData expected_report_data(const EvidenceBundle& bundle,
                                const crypto::X25519PublicKey& enclave_static_key,
                                const std::optional<Nonce>& nonce);

// Returns the strict encoding of `bundle`; fails if a field is out of bounds
// (empty report or manifest, proof bytes that disagree with the format).
Result<Bytes> encode_evidence_bundle(const EvidenceBundle& bundle);

// Parses an encoded bundle; fails with kMalformed on any deviation from the
// encoding (unknown format or platform, bad lengths, trailing bytes).
Result<EvidenceBundle> decode_evidence_bundle(ByteSpan encoded);

}  // namespace cloister::session
