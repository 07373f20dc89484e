// What every account command of `cloister` shares: the state directory, the
// account file, unlocking (the keyring cache, CLOISTER_PASSPHRASE,
// CLOISTER_RECOVERY_CODE, or a prompt), a signed-in host client, the trust
// policy, and a verified connection that records the newest checkpoint.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "client/account/account.h"
#include "client/connect/verified_connection.h"
#include "client/history/history_store.h"
#include "net/io_pool.h"
#include "tools/common/cli.h"

namespace cloister::tools {

// Options every account command accepts.
struct CommonOptions {
  std::optional<std::string> home;
};

// Adds --home to `command`.
void add_common_options(CLI::App* command, CommonOptions& options);

// Reads a secret from the terminal without echo (or a line of stdin when it
// is not a terminal). Fails when stdin is closed.
Result<std::string> prompt_secret(const std::string& prompt);

// An unlocked account, signed in at its host.
struct Session {
  std::filesystem::path home;
  client::AccountFile account;
  crypto::SecretBytes root;
  client::AccountKeys keys;
  std::unique_ptr<client::HostClient> host;

  // The history, with its cache in the state directory.
  client::HistoryStore history() { return client::HistoryStore(*host, keys, home / "cache"); }
};

// Unlocks the account in `home`: the keyring cache first, then
// CLOISTER_PASSPHRASE, CLOISTER_RECOVERY_CODE, then a passphrase prompt on a
// terminal. Signs in at the host.
Result<Session> open_session(const std::filesystem::path& home);

// Connects to the enclave through the account's host and verifies it against
// the policy in `home`; stores a newer checkpoint in the policy on success.
// `url` overrides the session URL (e.g. an enclave's, for development).
Result<std::unique_ptr<client::VerifiedConnection>> connect_enclave(
    net::IoPool& pool, const std::filesystem::path& home, const client::AccountFile* account,
    const std::string& bearer_token, const std::string& url_override = "");

// Prints `error` as "cloister: refused: ..." for verification refusals and
// "cloister: ..." otherwise; returns the exit code.
int report_failure(const Error& error);

// The SIMULATED banner printed before every answer from simulated evidence.
inline constexpr std::string_view kSimulatedBanner =
    "*** SIMULATED: development evidence, no confidentiality. Never send real data. ***";

}  // namespace cloister::tools
