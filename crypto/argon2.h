// Argon2id password hashing (RFC 9106) through libargon2, for passphrase key
// slots. Costs are explicit so that every stored slot records its own.
#pragma once

#include <cstdint>

#include "crypto/secret_bytes.h"

namespace cloister::crypto {

struct Argon2Params {
  uint32_t iterations = 3;          // t
  uint32_t memory_kib = 64 * 1024;  // m, in KiB
  uint32_t parallelism = 1;         // p
};

// The costs Cloister uses for new passphrase slots: RFC 9106's second
// recommended option (t=3, m=64 MiB), with one lane so browsers match the CLI.
inline constexpr Argon2Params kPassphraseArgon2Params{3, 64 * 1024, 1};

// Returns Argon2id(password, salt) of `length` bytes, with an optional secret
// key and associated data. Fails with kInvalidArgument for parameters
// libargon2 rejects (e.g. a salt under 8 bytes) and kResourceExhausted when
// the memory cannot be allocated.
Result<SecretBytes> argon2id(ByteSpan password, ByteSpan salt, const Argon2Params& params,
                             size_t length, ByteSpan secret = {}, ByteSpan associated_data = {});

}  // namespace cloister::crypto
