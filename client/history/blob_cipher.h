// Encryption of history blobs (conversations, folders, the index) before they
// reach the host. AES-256-GCM under the account's history key; the associated
// data binds the account, the blob's id and its version, so the host cannot
// move a blob to another id, serve an old version as new, or mix accounts.
#pragma once

#include <cstdint>
#include <string_view>

#include "crypto/curve25519.h"
#include "crypto/secret_bytes.h"

namespace cloister::client {

// What a sealed blob is bound to.
struct BlobBinding {
  crypto::Ed25519PublicKey account;
  std::string_view object_id;  // the host-visible blob id
  uint64_t version;            // the version this ciphertext is written as
};

// Returns format (1) || nonce (12) || ciphertext || tag.
Bytes seal_blob(const crypto::SecretBytes& history_key, const BlobBinding& binding,
                ByteSpan plaintext);

// Returns the plaintext, or kRejected if the blob was altered or is presented
// under another account, id or version.
Result<Bytes> open_blob(const crypto::SecretBytes& history_key, const BlobBinding& binding,
                        ByteSpan sealed);

}  // namespace cloister::client
