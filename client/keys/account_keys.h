// The account root secret R and the keys derived from it. R is 32 random
// bytes created once per account; everything else comes from R through
// HKDF-SHA256 with a distinct label, so R alone restores an account.
#pragma once

#include <string>

#include "crypto/curve25519.h"
#include "crypto/secret_bytes.h"

namespace cloister::client {

inline constexpr size_t kRootSecretSize = 32;

// The derived keys of one account.
struct AccountKeys {
  crypto::Ed25519KeyPair identity;  // the account's identity at the host
  crypto::SecretBytes history_key;  // encrypts history blobs (32 bytes)
};

// Returns a fresh random root secret.
crypto::SecretBytes generate_root_secret();

// Derives the identity key and history key from `root`, which must be
// kRootSecretSize bytes.
Result<AccountKeys> derive_account_keys(const crypto::SecretBytes& root);

// Returns the account id: the base64url form of the identity public key.
std::string account_id(const crypto::Ed25519PublicKey& identity_public_key);

// Parses an account id back into the identity public key.
Result<crypto::Ed25519PublicKey> parse_account_id(std::string_view id);

}  // namespace cloister::client
