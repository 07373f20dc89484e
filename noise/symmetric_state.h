// SymmetricState (Noise section 5.2): the chaining key, the handshake hash
// and the CipherState that handshake payloads are encrypted with.
#pragma once

#include <utility>

#include "crypto/secret_bytes.h"
#include "noise/cipher_state.h"

namespace cloister::noise {

class SymmetricState {
 public:
  // InitializeSymmetric: derives h and ck from the full protocol name.
  explicit SymmetricState(const Protocol& protocol);

  // ck, k = HKDF(ck, input_key_material); sets the cipher key.
  void mix_key(ByteSpan input_key_material);
  // h = HASH(h || data).
  void mix_hash(ByteSpan data);
  // ck, temp_h, k = HKDF(ck, input_key_material); mixes temp_h into h (for psk).
  void mix_key_and_hash(ByteSpan input_key_material);

  // Encrypts `plaintext` with h as associated data, then mixes the result into h.
  Result<Bytes> encrypt_and_hash(ByteSpan plaintext);
  // Decrypts `ciphertext` with h as associated data, then mixes the ciphertext into h.
  Result<Bytes> decrypt_and_hash(ByteSpan ciphertext);

  // Returns the two transport cipher states (initiator to responder first)
  // and wipes the chaining key.
  std::pair<CipherState, CipherState> split();

  bool has_key() const { return cipher_.has_key(); }
  // Returns h, which after the last handshake message is the handshake hash.
  ByteSpan handshake_hash() const { return hash_; }

 private:
  // Returns HKDF(ck, input_key_material) with `outputs` outputs of HASHLEN bytes.
  crypto::SecretBytes hkdf(ByteSpan input_key_material, size_t outputs) const;

  HashFunction hash_function_;
  CipherFunction cipher_function_;
  crypto::SecretBytes chaining_key_;
  Bytes hash_;
  CipherState cipher_;
};

}  // namespace cloister::noise
