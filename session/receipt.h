// Signed receipts: the enclave's signature over one completed response,
// naming the request, the response, the model and the release that produced
// it (docs/protocol.md, "Receipts"). The signing key is the receipt key whose
// public half the evidence bundle carries and REPORT_DATA binds, so a client
// that attested the enclave can keep a receipt as proof of which model and
// which logged release answered.
//
// Encoding (version 1), integers big-endian, exactly 205 bytes:
//   "CLRC"          4-byte magic
//   0x01            version
//   bytes[32]       request_sha256    SHA-256 of the request body as sent
//   bytes[32]       response_sha256   SHA-256 of the response content
//   bytes[32]       model_sha256      SHA-256 of the model file that answered
//   bytes[32]       manifest_sha256   SHA-256 of the release manifest
//   u64             issued_at_ms      Unix time in milliseconds
//   bytes[64]       signature         Ed25519 over "cloister/receipt/v1" || bytes[0, 141)
#pragma once

#include <string_view>

#include "base/bytes.h"
#include "base/clock.h"
#include "crypto/curve25519.h"
#include "crypto/hash.h"

namespace cloister::session {

inline constexpr std::string_view kReceiptMagic = "CLRC";
inline constexpr uint8_t kReceiptVersion1 = 1;
inline constexpr std::string_view kReceiptSignatureLabel = "cloister/receipt/v1";
inline constexpr size_t kReceiptSignedSize = 4 + 1 + 4 * 32 + 8;                            // 141
inline constexpr size_t kReceiptSize = kReceiptSignedSize + crypto::kEd25519SignatureSize;  // 205

// What a receipt states.
struct ReceiptClaims {
  crypto::Sha256Digest request_sha256{};
  crypto::Sha256Digest response_sha256{};
  crypto::Sha256Digest model_sha256{};
  crypto::Sha256Digest manifest_sha256{};
  int64_t issued_at_ms = 0;  // Unix time in milliseconds, never negative

  friend bool operator==(const ReceiptClaims&, const ReceiptClaims&) = default;
};

// A decoded receipt; its signature is checked only by verify_receipt.
struct Receipt {
  ReceiptClaims claims;
  crypto::Ed25519Signature signature{};
};

// Returns the claims for a response: the digests of `request_body` and
// `response_content`, the model and manifest digests, and `issued_at`.
ReceiptClaims make_receipt_claims(ByteSpan request_body, ByteSpan response_content,
                                  const crypto::Sha256Digest& model_sha256,
                                  const crypto::Sha256Digest& manifest_sha256, TimePoint issued_at);

// Returns the 205-byte receipt for `claims`, signed with the Ed25519 seed
// `receipt_key`. Fails with kInvalidArgument if issued_at_ms is negative or
// the seed is not 32 bytes.
Result<Bytes> sign_receipt(const ReceiptClaims& claims, const crypto::SecretBytes& receipt_key);

// Parses a receipt without checking its signature. Fails with kMalformed on a
// wrong magic, length or a time past 2^63 - 1, and kUnsupported on another version.
Result<Receipt> decode_receipt(ByteSpan encoded);

// Parses a receipt and checks its signature under `receipt_public_key` (the
// key from the attested evidence bundle). Fails with kRejected if the
// signature does not verify.
Result<ReceiptClaims> verify_receipt(ByteSpan encoded,
                                     const crypto::Ed25519PublicKey& receipt_public_key);

// Checks that verified `claims` are about exactly this request body and
// response content. Fails with kRejected naming the digest that differs.
Status check_receipt_covers(const ReceiptClaims& claims, ByteSpan request_body,
                            ByteSpan response_content);

}  // namespace cloister::session
