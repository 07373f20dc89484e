#include "client/keys/account_keys.h"

#include <algorithm>

#include "base/encoding.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace cloister::client {
namespace {

constexpr std::string_view kIdentityLabel = "cloister/v1/identity";
constexpr std::string_view kHistoryLabel = "cloister/v1/history";

crypto::SecretBytes derive(const crypto::SecretBytes& root, std::string_view label) {
  return crypto::hkdf(crypto::HashAlgorithm::kSha256, root.span(), {}, as_bytes(label), 32);
}

}  // namespace

crypto::SecretBytes generate_root_secret() { return crypto::random_secret(kRootSecretSize); }

Result<AccountKeys> derive_account_keys(const crypto::SecretBytes& root) {
  if (root.size() != kRootSecretSize) {
    return Error(ErrorCode::kInvalidArgument, "the account root secret must be 32 bytes");
  }
  crypto::SecretBytes seed = derive(root, kIdentityLabel);
  CLOISTER_ASSIGN_OR_RETURN(crypto::Ed25519KeyPair identity,
                            crypto::ed25519_from_seed(seed.span()));
  return AccountKeys{std::move(identity), derive(root, kHistoryLabel)};
}

std::string account_id(const crypto::Ed25519PublicKey& identity_public_key) {
  return base64url_encode(identity_public_key);
}

Result<crypto::Ed25519PublicKey> parse_account_id(std::string_view id) {
  auto raw = base64url_decode(id);
  if (!raw.ok() || raw->size() != crypto::kEd25519PublicKeySize) {
    return Error(ErrorCode::kInvalidArgument, "not an account id (43 base64url characters)");
  }
  crypto::Ed25519PublicKey key{};
  std::copy(raw->begin(), raw->end(), key.begin());
  return key;
}

}  // namespace cloister::client
