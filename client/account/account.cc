#include "client/account/account.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "base/files.h"
#include "base/json_fields.h"
#include "client/keys/recovery_code.h"

namespace cloister::client {
namespace {

using nlohmann::json;

constexpr std::string_view kAccountFormat = "cloister/client-account/v1";

Error wrong_secret(SlotKind kind) {
  switch (kind) {
    case SlotKind::kPassphrase:
      return Error(ErrorCode::kRejected,
                   "wrong passphrase (or its slot was removed): the host has no slot for it");
    case SlotKind::kRecoveryCode:
      return Error(ErrorCode::kRejected,
                   "wrong recovery code (or its slot was removed): the host has no slot for it");
    default:
      return Error(ErrorCode::kRejected,
                   "this security key has no slot for the account (or it was removed)");
  }
}

Result<crypto::SecretBytes> open_slot(HostClient& host, SlotKind kind, const SlotKeys& keys) {
  Result<WrappedSlot> slot = host.get_slot(keys.lookup_id);
  if (!slot.ok()) {
    if (slot.error().code() == ErrorCode::kNotFound) return wrong_secret(kind);
    return slot.error();
  }
  if (slot->kind != kind)
    return Error(ErrorCode::kRejected, "the host answered with another kind of slot");
  return unwrap_root_secret(*slot, keys);
}

}  // namespace

std::filesystem::path resolve_home(const std::optional<std::string>& flag) {
  if (flag && !flag->empty()) return *flag;
  if (const char* home = std::getenv("CLOISTER_HOME"); home && *home) return home;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "cloister";
  }
  const char* user_home = std::getenv("HOME");
  return std::filesystem::path(user_home && *user_home ? user_home : ".") / ".config" / "cloister";
}

Result<AccountFile> load_account(const std::filesystem::path& home) {
  std::error_code ec;
  if (!std::filesystem::exists(account_path(home), ec)) {
    return Error(ErrorCode::kFailedPrecondition,
                 "no account in " + home.string() + " (run cloister init --host URL)");
  }
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_text_file(account_path(home), 1 << 16));
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || string_member(doc, "format") != kAccountFormat ||
      !doc.contains("host") || !doc["host"].is_string() || !doc.contains("account") ||
      !doc["account"].is_string()) {
    return Error(ErrorCode::kMalformed,
                 account_path(home).string() + " is not a cloister account file");
  }
  AccountFile account;
  account.host = doc["host"].get<std::string>();
  account.account = doc["account"].get<std::string>();
  if (doc.contains("session_url") && doc["session_url"].is_string()) {
    account.session_url = doc["session_url"].get<std::string>();
  }
  if (doc.contains("ca_file") && doc["ca_file"].is_string()) {
    account.ca_file = doc["ca_file"].get<std::string>();
  }
  return account;
}

Status save_account(const std::filesystem::path& home, const AccountFile& account) {
  std::error_code ec;
  std::filesystem::create_directories(home, ec);
  if (ec) return Error(ErrorCode::kIo, "cannot create " + home.string() + ": " + ec.message());
  std::filesystem::permissions(home, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  json doc{{"format", kAccountFormat}, {"host", account.host}, {"account", account.account}};
  if (!account.session_url.empty()) doc["session_url"] = account.session_url;
  if (!account.ca_file.empty()) doc["ca_file"] = account.ca_file;
  return write_file_atomically(account_path(home), as_bytes(doc.dump(2) + "\n"), 0600);
}

Result<SlotKeys> passphrase_slot(std::string_view passphrase,
                                 const crypto::Ed25519PublicKey& account) {
  if (passphrase.size() < 8) {
    return Error(ErrorCode::kInvalidArgument, "a passphrase needs at least 8 characters");
  }
  return passphrase_slot_keys(passphrase, account);
}

Result<std::pair<std::string, SlotKeys>> new_recovery_slot() {
  crypto::SecretBytes entropy = generate_recovery_entropy();
  CLOISTER_ASSIGN_OR_RETURN(SlotKeys keys,
                            derive_slot_keys(SlotKind::kRecoveryCode, entropy.span()));
  return std::make_pair(format_recovery_code(entropy), std::move(keys));
}

Result<SlotKeys> fido2_slot(const Fido2Options& options, const crypto::Ed25519PublicKey& account,
                            bool register_credential) {
  Bytes credential;
  if (register_credential) {
    CLOISTER_ASSIGN_OR_RETURN(credential, fido2_register(options, account, "cloister"));
  }
  const auto salt = webauthn_prf_salt(as_bytes(kPrfInput));
  CLOISTER_ASSIGN_OR_RETURN(crypto::SecretBytes material,
                            fido2_hmac_secret(options, credential, salt));
  return derive_slot_keys(SlotKind::kFido2HmacSecret, material.span());
}

Status add_slot(HostClient& host, const crypto::SecretBytes& root, SlotKind kind,
                const SlotKeys& keys) {
  CLOISTER_ASSIGN_OR_RETURN(AccountKeys account, derive_account_keys(root));
  return host.put_slot(wrap_root_secret(root, kind, keys, account.identity.public_key));
}

Result<CreatedAccount> create_account(const std::filesystem::path& home,
                                      const InitOptions& options) {
  std::error_code ec;
  if (std::filesystem::exists(account_path(home), ec)) {
    return Error(ErrorCode::kAlreadyExists,
                 home.string() + " already has an account (use another --home, or remove it)");
  }
  CLOISTER_ASSIGN_OR_RETURN(std::unique_ptr<HostClient> host,
                            HostClient::create(options.host, options.ca_file));
  CreatedAccount created;
  created.root = generate_root_secret();
  CLOISTER_ASSIGN_OR_RETURN(AccountKeys keys, derive_account_keys(created.root));
  CLOISTER_TRY(host->sign_in(keys.identity));
  // The recovery slot first: it is the way back in whatever else happens.
  CLOISTER_ASSIGN_OR_RETURN(auto recovery, new_recovery_slot());
  CLOISTER_TRY(add_slot(*host, created.root, SlotKind::kRecoveryCode, recovery.second));
  created.recovery_code = std::move(recovery.first);
  if (options.passphrase) {
    CLOISTER_ASSIGN_OR_RETURN(SlotKeys slot,
                              passphrase_slot(*options.passphrase, keys.identity.public_key));
    CLOISTER_TRY(add_slot(*host, created.root, SlotKind::kPassphrase, slot));
  }
  if (options.fido2) {
    CLOISTER_ASSIGN_OR_RETURN(SlotKeys slot,
                              fido2_slot(*options.fido2, keys.identity.public_key, true));
    CLOISTER_TRY(add_slot(*host, created.root, SlotKind::kFido2HmacSecret, slot));
  }
  created.file.host = host->origin();
  created.file.account = account_id(keys.identity.public_key);
  created.file.ca_file = options.ca_file;
  CLOISTER_TRY(save_account(home, created.file));
  return created;
}

Result<crypto::SecretBytes> unlock_with_passphrase(HostClient& host,
                                                   const crypto::Ed25519PublicKey& account,
                                                   std::string_view passphrase) {
  CLOISTER_ASSIGN_OR_RETURN(SlotKeys keys, passphrase_slot_keys(passphrase, account));
  return open_slot(host, SlotKind::kPassphrase, keys);
}

Result<std::pair<crypto::SecretBytes, crypto::Ed25519PublicKey>> unlock_with_recovery_code(
    HostClient& host, std::string_view code) {
  CLOISTER_ASSIGN_OR_RETURN(crypto::SecretBytes entropy, parse_recovery_code(code));
  CLOISTER_ASSIGN_OR_RETURN(SlotKeys keys,
                            derive_slot_keys(SlotKind::kRecoveryCode, entropy.span()));
  CLOISTER_ASSIGN_OR_RETURN(crypto::SecretBytes root,
                            open_slot(host, SlotKind::kRecoveryCode, keys));
  CLOISTER_ASSIGN_OR_RETURN(AccountKeys account, derive_account_keys(root));
  return std::make_pair(std::move(root), account.identity.public_key);
}

Result<crypto::SecretBytes> unlock_with_fido2(HostClient& host, const Fido2Options& options) {
  const auto salt = webauthn_prf_salt(as_bytes(kPrfInput));
  CLOISTER_ASSIGN_OR_RETURN(crypto::SecretBytes material, fido2_hmac_secret(options, {}, salt));
  CLOISTER_ASSIGN_OR_RETURN(SlotKeys keys,
                            derive_slot_keys(SlotKind::kFido2HmacSecret, material.span()));
  return open_slot(host, SlotKind::kFido2HmacSecret, keys);
}

}  // namespace cloister::client
