// A client's account in its state directory: which host, which account (its
// public identity, not a secret), the trust policy, and an encrypted history
// cache. The root secret R is never stored here: it lives at the host only
// inside key slots, and in memory (or the kernel keyring) while unlocked.
//
//   $CLOISTER_HOME (or --home; default $XDG_CONFIG_HOME/cloister, ~/.config/cloister)
//     account.json   {"format": "cloister/client-account/v1", "host": URL, "account": ID}
//     policy.json    the trust policy (client/policy/trust_policy.h)
//     cache/         history blobs exactly as the host stores them (ciphertext)
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "client/account/host_client.h"
#include "client/keys/account_keys.h"
#include "client/keys/fido2_key.h"

namespace cloister::client {

// Returns the state directory: `flag` if given, else $CLOISTER_HOME, else
// $XDG_CONFIG_HOME/cloister, else $HOME/.config/cloister.
std::filesystem::path resolve_home(const std::optional<std::string>& flag);

struct AccountFile {
  std::string host;         // the host's origin, e.g. https://cloister.example
  std::string account;      // the account id (base64url Ed25519 public key)
  std::string session_url;  // optional: the session endpoint, default host + /v1/session
  std::string ca_file;      // optional: trusted roots for the host's TLS
};

inline std::filesystem::path account_path(const std::filesystem::path& home) {
  return home / "account.json";
}
inline std::filesystem::path policy_path(const std::filesystem::path& home) {
  return home / "policy.json";
}

// Loads account.json; kFailedPrecondition with "run cloister init" if absent.
Result<AccountFile> load_account(const std::filesystem::path& home);
Status save_account(const std::filesystem::path& home, const AccountFile& account);

// What `cloister init` made.
struct CreatedAccount {
  AccountFile file;
  std::string recovery_code;  // show once, never store
  crypto::SecretBytes root;
};

struct InitOptions {
  std::string host;
  std::optional<std::string> passphrase;  // adds a passphrase slot
  std::optional<Fido2Options> fido2;      // adds a FIDO2 hmac-secret slot
  std::string ca_file;
};

// Creates an account: a random R, sign-in at the host, a recovery slot and
// the requested slots; writes account.json. Fails with kAlreadyExists when
// the state directory already has an account.
Result<CreatedAccount> create_account(const std::filesystem::path& home,
                                      const InitOptions& options);

// Unlocking. Each returns R after checking it derives the slot's account.
// A wrong secret fails with kRejected ("wrong passphrase" / "wrong recovery
// code": the host has no slot for it), never with a vague error.
Result<crypto::SecretBytes> unlock_with_passphrase(HostClient& host,
                                                   const crypto::Ed25519PublicKey& account,
                                                   std::string_view passphrase);
// Returns R and the account it belongs to (a recovery code needs no account id).
Result<std::pair<crypto::SecretBytes, crypto::Ed25519PublicKey>> unlock_with_recovery_code(
    HostClient& host, std::string_view code);
Result<crypto::SecretBytes> unlock_with_fido2(HostClient& host, const Fido2Options& options);

// Slot material for a new slot of each kind.
Result<SlotKeys> passphrase_slot(std::string_view passphrase,
                                 const crypto::Ed25519PublicKey& account);
// Makes a new recovery code and its slot keys.
Result<std::pair<std::string, SlotKeys>> new_recovery_slot();
Result<SlotKeys> fido2_slot(const Fido2Options& options, const crypto::Ed25519PublicKey& account,
                            bool register_credential);

// Seals R into a slot and stores it at the host (which needs a signed-in client).
Status add_slot(HostClient& host, const crypto::SecretBytes& root, SlotKind kind,
                const SlotKeys& keys);

}  // namespace cloister::client
