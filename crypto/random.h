// Cryptographically secure random bytes from OpenSSL's DRBG.
#pragma once

#include <cstdint>
#include <span>

#include "crypto/secret_bytes.h"

namespace cloister::crypto {

// Fills `out` with random bytes. Aborts the process if the DRBG fails, since
// no caller can continue safely without randomness.
void fill_random(std::span<uint8_t> out);

// Returns `size` random bytes for public use (nonces, ids).
Bytes random_bytes(size_t size);

// Returns `size` random bytes as a secret.
SecretBytes random_secret(size_t size);

}  // namespace cloister::crypto
