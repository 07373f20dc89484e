// Authenticated encryption with associated data: AES-256-GCM and
// ChaCha20-Poly1305 (RFC 8439), each with a 32-byte key, a 12-byte nonce and
// a 16-byte tag appended to the ciphertext.
#pragma once

#include <array>
#include <memory>

#include "crypto/secret_bytes.h"

namespace cloister::crypto {

enum class AeadAlgorithm { kAes256Gcm, kChaCha20Poly1305 };

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 12;
inline constexpr size_t kAeadTagSize = 16;

using AeadNonce = std::array<uint8_t, kAeadNonceSize>;

// A keyed AEAD. The key schedule is computed once; seal and open may then be
// called any number of times with distinct nonces. Not thread-safe.
class AeadKey {
 public:
  // `key` must be kAeadKeySize bytes.
  AeadKey(AeadAlgorithm algorithm, ByteSpan key);
  ~AeadKey();
  AeadKey(AeadKey&&) noexcept;
  AeadKey& operator=(AeadKey&&) noexcept;

  AeadAlgorithm algorithm() const;

  // Returns ciphertext || tag.
  Bytes seal(const AeadNonce& nonce, ByteSpan associated_data, ByteSpan plaintext);
  // Writes ciphertext || tag for `plaintext` into `out`, which must have
  // plaintext.size() + kAeadTagSize bytes.
  void seal_into(const AeadNonce& nonce, ByteSpan associated_data, ByteSpan plaintext,
                 std::span<uint8_t> out);

  // Returns the plaintext, or kRejected if the tag does not verify.
  Result<Bytes> open(const AeadNonce& nonce, ByteSpan associated_data, ByteSpan sealed);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cloister::crypto
