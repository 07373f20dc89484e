#include "session/receipt.h"

#include <limits>
#include <string>

namespace cloister::session {
namespace {

Bytes signed_message(ByteSpan signed_part) {
  Bytes message = to_bytes(kReceiptSignatureLabel);
  message.insert(message.end(), signed_part.begin(), signed_part.end());
  return message;
}

Bytes encode_signed_part(const ReceiptClaims& claims) {
  ByteWriter out;
  out.put_string(kReceiptMagic);
  out.put_u8(kReceiptVersion1);
  out.put_bytes(claims.request_sha256);
  out.put_bytes(claims.response_sha256);
  out.put_bytes(claims.model_sha256);
  out.put_bytes(claims.manifest_sha256);
  out.put_u64be(static_cast<uint64_t>(claims.issued_at_ms));
  return out.take();
}

}  // namespace

ReceiptClaims make_receipt_claims(ByteSpan request_body, ByteSpan response_content,
                                  const crypto::Sha256Digest& model_sha256,
                                  const crypto::Sha256Digest& manifest_sha256,
                                  TimePoint issued_at) {
  ReceiptClaims claims;
  claims.request_sha256 = crypto::sha256(request_body);
  claims.response_sha256 = crypto::sha256(response_content);
  claims.model_sha256 = model_sha256;
  claims.manifest_sha256 = manifest_sha256;
  claims.issued_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(issued_at.time_since_epoch()).count();
  return claims;
}

Result<Bytes> sign_receipt(const ReceiptClaims& claims, const crypto::SecretBytes& receipt_key) {
  if (claims.issued_at_ms < 0) {
    return Error(ErrorCode::kInvalidArgument, "a receipt cannot be issued before 1970");
  }
  if (receipt_key.size() != crypto::kEd25519SeedSize) {
    return Error(ErrorCode::kInvalidArgument, "the receipt key must be a 32-byte Ed25519 seed");
  }
  Bytes encoded = encode_signed_part(claims);
  crypto::Ed25519Signature signature = crypto::ed25519_sign(receipt_key, signed_message(encoded));
  encoded.insert(encoded.end(), signature.begin(), signature.end());
  return encoded;
}

Result<Receipt> decode_receipt(ByteSpan encoded) {
  ByteReader in(encoded);
  CLOISTER_ASSIGN_OR_RETURN(ByteSpan magic, in.read_bytes(kReceiptMagic.size(), "receipt magic"));
  if (to_string(magic) != kReceiptMagic) {
    return Error(ErrorCode::kMalformed, "not a receipt: the magic is not \"CLRC\"");
  }
  CLOISTER_ASSIGN_OR_RETURN(uint8_t version, in.read_u8("receipt version"));
  if (version != kReceiptVersion1) {
    return Error(ErrorCode::kUnsupported, "receipt version " + std::to_string(version) +
                                              " is not supported (this build reads version 1)");
  }
  Receipt receipt;
  CLOISTER_TRY(in.read_into(receipt.claims.request_sha256, "receipt request_sha256"));
  CLOISTER_TRY(in.read_into(receipt.claims.response_sha256, "receipt response_sha256"));
  CLOISTER_TRY(in.read_into(receipt.claims.model_sha256, "receipt model_sha256"));
  CLOISTER_TRY(in.read_into(receipt.claims.manifest_sha256, "receipt manifest_sha256"));
  CLOISTER_ASSIGN_OR_RETURN(uint64_t issued_at, in.read_u64be("receipt issued_at_ms"));
  if (issued_at > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return in.malformed("receipt issued_at_ms", "is past 2^63 - 1");
  }
  receipt.claims.issued_at_ms = static_cast<int64_t>(issued_at);
  CLOISTER_TRY(in.read_into(receipt.signature, "receipt signature"));
  CLOISTER_TRY(in.expect_end("receipt"));
  return receipt;
}

Result<ReceiptClaims> verify_receipt(ByteSpan encoded,
                                     const crypto::Ed25519PublicKey& receipt_public_key) {
  CLOISTER_ASSIGN_OR_RETURN(Receipt receipt, decode_receipt(encoded));
  Bytes message = signed_message(encoded.first(kReceiptSignedSize));
  if (!crypto::ed25519_verify(receipt_public_key, message, receipt.signature)) {
    return Error(ErrorCode::kRejected,
                 "the receipt's signature does not verify under the enclave's receipt key");
  }
  return receipt.claims;
}

Status check_receipt_covers(const ReceiptClaims& claims, ByteSpan request_body,
                            ByteSpan response_content) {
  if (crypto::sha256(request_body) != claims.request_sha256) {
    return Error(ErrorCode::kRejected, "the receipt is for a different request");
  }
  if (crypto::sha256(response_content) != claims.response_sha256) {
    return Error(ErrorCode::kRejected, "the receipt is for a different response");
  }
  return ok_status();
}

}  // namespace cloister::session
