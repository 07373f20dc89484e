// Recovery codes: 128 bits of entropy plus a 32-bit checksum, written as 32
// Crockford base32 characters in eight groups of four
// ("7K2M-...-Q9XD"). The checksum catches typos before the host is asked.
#pragma once

#include <string>
#include <string_view>

#include "crypto/secret_bytes.h"

namespace cloister::client {

inline constexpr size_t kRecoveryEntropySize = 16;

// Returns a fresh recovery code's entropy.
crypto::SecretBytes generate_recovery_entropy();

// Formats entropy (kRecoveryEntropySize bytes) as a recovery code.
std::string format_recovery_code(const crypto::SecretBytes& entropy);

// Parses a recovery code, ignoring case, spaces and dashes, and reading the
// look-alikes O as 0 and I/L as 1. Fails with kInvalidArgument on a wrong
// length, a bad character or a checksum mismatch (a typo).
Result<crypto::SecretBytes> parse_recovery_code(std::string_view code);

}  // namespace cloister::client
