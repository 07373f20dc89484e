// CipherState (Noise section 5.1): an AEAD key and a 64-bit message counter.
// The counter is the nonce; 2^64-1 is reserved, so a state that reaches it
// refuses to encrypt or decrypt again instead of reusing a nonce.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include "base/result.h"
#include "crypto/aead.h"
#include "noise/protocol.h"

namespace cloister::noise {

class CipherState {
 public:
  // The reserved nonce value, used only by rekey().
  static constexpr uint64_t kMaxNonce = std::numeric_limits<uint64_t>::max();

  explicit CipherState(CipherFunction cipher) : cipher_(cipher) {}

  // Sets a 32-byte key and resets the nonce to zero.
  void initialize_key(ByteSpan key);
  // Forgets the key (the key schedule is wiped by OpenSSL).
  void clear_key();
  bool has_key() const { return key_.has_value(); }

  // Sets the next nonce (SetNonce in the spec); used by tests and by callers
  // that manage nonces themselves.
  void set_nonce(uint64_t nonce) { nonce_ = nonce; }
  uint64_t nonce() const { return nonce_; }

  // Returns ciphertext || tag under the current nonce and increments it, or
  // the plaintext unchanged when there is no key. Fails with
  // kResourceExhausted once the nonce space is used up.
  Result<Bytes> encrypt_with_ad(ByteSpan associated_data, ByteSpan plaintext);
  // Returns the plaintext and increments the nonce, or the input unchanged
  // when there is no key. Fails with kRejected if the tag does not verify
  // (the nonce then stays put) and kResourceExhausted past the nonce space.
  Result<Bytes> decrypt_with_ad(ByteSpan associated_data, ByteSpan ciphertext);

  // Replaces the key with REKEY(k) (section 4.2); the nonce is unchanged.
  void rekey();

 private:
  crypto::AeadNonce encode_nonce(uint64_t nonce) const;

  CipherFunction cipher_;
  std::optional<crypto::AeadKey> key_;
  uint64_t nonce_ = 0;
};

}  // namespace cloister::noise
