#include "noise/cipher_state.h"

#include <array>

namespace cloister::noise {

void CipherState::initialize_key(ByteSpan key) {
  key_.emplace(aead_algorithm(cipher_), key);
  nonce_ = 0;
}

void CipherState::clear_key() { key_.reset(); }

crypto::AeadNonce CipherState::encode_nonce(uint64_t nonce) const {
  // Section 12: 32 zero bits, then the counter, big-endian for AES-GCM and
  // little-endian for ChaCha20-Poly1305.
  crypto::AeadNonce out{};
  for (size_t i = 0; i < 8; ++i) {
    auto byte = static_cast<uint8_t>(nonce >> (8 * i));
    if (cipher_ == CipherFunction::kAesGcm) {
      out[11 - i] = byte;
    } else {
      out[4 + i] = byte;
    }
  }
  return out;
}

Result<Bytes> CipherState::encrypt_with_ad(ByteSpan associated_data, ByteSpan plaintext) {
  if (!key_) return to_bytes(plaintext);
  if (nonce_ == kMaxNonce) {
    return Error(ErrorCode::kResourceExhausted, "Noise cipher nonce space is exhausted");
  }
  Bytes sealed = key_->seal(encode_nonce(nonce_), associated_data, plaintext);
  ++nonce_;
  return sealed;
}

Result<Bytes> CipherState::decrypt_with_ad(ByteSpan associated_data, ByteSpan ciphertext) {
  if (!key_) return to_bytes(ciphertext);
  if (nonce_ == kMaxNonce) {
    return Error(ErrorCode::kResourceExhausted, "Noise cipher nonce space is exhausted");
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes plaintext,
                            key_->open(encode_nonce(nonce_), associated_data, ciphertext));
  ++nonce_;
  return plaintext;
}

void CipherState::rekey() {
  if (!key_) return;
  // REKEY(k) = the first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zero bytes).
  std::array<uint8_t, kKeySize> zeros{};
  crypto::SecretBytes sealed(kKeySize + kTagSize);
  key_->seal_into(encode_nonce(kMaxNonce), {}, zeros, sealed.span());
  key_.emplace(aead_algorithm(cipher_), sealed.span().first(kKeySize));
}

}  // namespace cloister::noise
