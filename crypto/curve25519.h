// X25519 key agreement (RFC 7748) and Ed25519 signatures (RFC 8032) on
// OpenSSL 3. Private keys live in SecretBytes; public keys are plain arrays.
#pragma once

#include <array>

#include "crypto/secret_bytes.h"

namespace cloister::crypto {

inline constexpr size_t kX25519KeySize = 32;
inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

using X25519PublicKey = std::array<uint8_t, kX25519KeySize>;
using Ed25519PublicKey = std::array<uint8_t, kEd25519PublicKeySize>;
using Ed25519Signature = std::array<uint8_t, kEd25519SignatureSize>;

struct X25519KeyPair {
  SecretBytes private_key;  // 32 bytes
  X25519PublicKey public_key;
};

// Returns a fresh random key pair.
X25519KeyPair x25519_generate();
// Returns the key pair for a given 32-byte private key.
Result<X25519KeyPair> x25519_from_private(ByteSpan private_key);
// Returns the shared secret X25519(private_key, peer_public). Fails with
// kRejected if the result is all zeros (a small-order peer key).
Result<SecretBytes> x25519_shared_secret(const SecretBytes& private_key, ByteSpan peer_public);

struct Ed25519KeyPair {
  SecretBytes seed;  // the 32-byte private seed
  Ed25519PublicKey public_key;
};

// Returns a fresh random signing key.
Ed25519KeyPair ed25519_generate();
// Returns the signing key for a given 32-byte seed.
Result<Ed25519KeyPair> ed25519_from_seed(ByteSpan seed);
// Signs `message` with the key derived from `seed`.
Ed25519Signature ed25519_sign(const SecretBytes& seed, ByteSpan message);
// Returns true if `signature` is a valid Ed25519 signature of `message` under
// `public_key`. Wrong sizes simply do not verify.
bool ed25519_verify(ByteSpan public_key, ByteSpan message, ByteSpan signature);

}  // namespace cloister::crypto
