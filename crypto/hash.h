// SHA-2 and BLAKE2 digests, HMAC and HKDF (RFC 5869), all through OpenSSL 3's EVP API.
#pragma once

#include <array>
#include <memory>

#include "crypto/secret_bytes.h"

namespace cloister::crypto {

// BLAKE2b-512 and BLAKE2s-256 (RFC 7693) are here for Noise cipher suites.
enum class HashAlgorithm { kSha256, kSha384, kSha512, kBlake2b512, kBlake2s256 };

// Returns the digest length in bytes (32, 48 or 64).
size_t digest_size(HashAlgorithm algorithm);

using Sha256Digest = std::array<uint8_t, 32>;
using Sha384Digest = std::array<uint8_t, 48>;
using Sha512Digest = std::array<uint8_t, 64>;

Sha256Digest sha256(ByteSpan data);
Sha384Digest sha384(ByteSpan data);
Sha512Digest sha512(ByteSpan data);

// Returns the digest of `data` under `algorithm`.
Bytes digest(HashAlgorithm algorithm, ByteSpan data);

// An incremental hash: update() any number of times, then finish() once.
class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;

  Hasher& update(ByteSpan data);
  // Returns the digest. The Hasher must not be used afterwards.
  Bytes finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Returns HMAC(key, data) under `algorithm`.
Bytes hmac(HashAlgorithm algorithm, ByteSpan key, ByteSpan data);

// HKDF-Extract then HKDF-Expand (RFC 5869): returns `length` bytes of output
// keying material. `length` must be at most 255 * digest_size(algorithm).
SecretBytes hkdf(HashAlgorithm algorithm, ByteSpan input_key, ByteSpan salt, ByteSpan info,
                 size_t length);

}  // namespace cloister::crypto
