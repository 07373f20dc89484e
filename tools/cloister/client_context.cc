#include "tools/cloister/client_context.h"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "client/account/session_cache.h"
#include "client/policy/trust_policy.h"

namespace cloister::tools {

void add_common_options(CLI::App* command, CommonOptions& options) {
  command->add_option("--home", options.home,
                      "State directory (default: $CLOISTER_HOME, else ~/.config/cloister)");
}

Result<std::string> prompt_secret(const std::string& prompt) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!got) return Error(ErrorCode::kFailedPrecondition, "no input for: " + prompt);
  return line;
}

Result<Session> open_session(const std::filesystem::path& home) {
  Session session;
  session.home = home;
  CLOISTER_ASSIGN_OR_RETURN(session.account, client::load_account(home));
  CLOISTER_ASSIGN_OR_RETURN(
      session.host, client::HostClient::create(session.account.host, session.account.ca_file));
  CLOISTER_ASSIGN_OR_RETURN(crypto::Ed25519PublicKey account,
                            client::parse_account_id(session.account.account));
  if (auto cached = client::cached_root_secret(home)) {
    session.root = std::move(*cached);
  } else if (const char* passphrase = std::getenv("CLOISTER_PASSPHRASE");
             passphrase && *passphrase) {
    CLOISTER_ASSIGN_OR_RETURN(session.root,
                              client::unlock_with_passphrase(*session.host, account, passphrase));
  } else if (const char* code = std::getenv("CLOISTER_RECOVERY_CODE"); code && *code) {
    CLOISTER_ASSIGN_OR_RETURN(auto unlocked,
                              client::unlock_with_recovery_code(*session.host, code));
    session.root = std::move(unlocked.first);
  } else if (::isatty(STDIN_FILENO) == 1) {
    CLOISTER_ASSIGN_OR_RETURN(std::string typed, prompt_secret("Passphrase: "));
    CLOISTER_ASSIGN_OR_RETURN(session.root,
                              client::unlock_with_passphrase(*session.host, account, typed));
  } else {
    return Error(ErrorCode::kFailedPrecondition,
                 "locked: run cloister unlock first (or set CLOISTER_PASSPHRASE)");
  }
  CLOISTER_ASSIGN_OR_RETURN(session.keys, client::derive_account_keys(session.root));
  if (session.keys.identity.public_key != account) {
    return Error(ErrorCode::kRejected, "the unlocked secret belongs to another account");
  }
  CLOISTER_TRY(session.host->sign_in(session.keys.identity));
  return session;
}

Result<std::unique_ptr<client::VerifiedConnection>> connect_enclave(
    net::IoPool& pool, const std::filesystem::path& home, const client::AccountFile* account,
    const std::string& bearer_token, const std::string& url_override) {
  const std::filesystem::path policy_file = client::policy_path(home);
  CLOISTER_ASSIGN_OR_RETURN(client::TrustPolicy policy, client::load_policy(policy_file));
  client::ConnectOptions options;
  if (!url_override.empty()) {
    options.url = url_override;
  } else if (account != nullptr) {
    options.url =
        account->session_url.empty() ? account->host + "/v1/session" : account->session_url;
    options.ca_file = account->ca_file;
  } else {
    return Error(ErrorCode::kInvalidArgument, "no account and no --url: nothing to connect to");
  }
  options.bearer_token = bearer_token;
  CLOISTER_ASSIGN_OR_RETURN(auto connection,
                            client::VerifiedConnection::connect(pool, options, policy));
  const client::Verification& verified = connection->verification();
  if (verified.checkpoint_advanced) {
    CLOISTER_TRY(client::record_checkpoint(policy_file, verified.checkpoint.origin,
                                           verified.checkpoint_note));
  }
  return connection;
}

int report_failure(const Error& error) {
  if (error.code() == ErrorCode::kRejected) {
    std::cerr << "cloister: refused: " << error.message() << "\n";
    return kExitRejected;
  }
  std::cerr << "cloister: " << error.message() << "\n";
  return error.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitRejected;
}

}  // namespace cloister::tools
