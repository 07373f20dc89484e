#include "tools/cloister/proxy_command.h"

#include <csignal>
#include <iostream>

#include "client/account/account.h"
#include "client/connect/verified_connection.h"
#include "client/policy/trust_policy.h"
#include "client/proxy/proxy_server.h"
#include "client/proxy/session_upstream.h"
#include "net/http_server.h"
#include "net/url.h"
#include "tools/cloister/client_context.h"

namespace cloister::tools {
namespace {

struct ProxyFlags {
  CommonOptions common;
  std::string listen = "127.0.0.1:8088";
  bool allow_non_loopback = false;
  std::string host_url;
  std::string policy_file;
  std::string log_url;
  std::string log_vkey;
  std::vector<std::string> witness_vkeys;
  size_t witness_threshold = 1;
  bool allow_simulated = false;
  std::string token;
};

struct ListenAddress {
  std::string address;
  uint16_t port = 0;
};

// Parses "ADDRESS:PORT" (IPv6 in brackets). Fails with kInvalidArgument.
Result<ListenAddress> parse_listen(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) {
    return Error(ErrorCode::kInvalidArgument,
                 "--listen must be ADDRESS:PORT, not '" + std::string(text) + "'");
  }
  std::string address(text.substr(0, colon));
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  int port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) {
      return Error(ErrorCode::kInvalidArgument, "--listen has a bad port");
    }
    port = port * 10 + (c - '0');
  }
  if (port > 65535) return Error(ErrorCode::kInvalidArgument, "--listen has a bad port");
  return ListenAddress{address, static_cast<uint16_t>(port)};
}

bool is_loopback(std::string_view address) {
  return address == "::1" || address == "localhost" || address.starts_with("127.");
}

// The trust policy: the file given with --policy, or one made of the flags.
Result<client::TrustPolicy> trust_policy(const ProxyFlags& flags) {
  if (!flags.policy_file.empty()) {
    if (!flags.log_vkey.empty() || !flags.witness_vkeys.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   "give either --policy or --log-vkey/--witness-vkey, not both");
    }
    auto policy = client::load_policy(flags.policy_file);
    if (!policy.ok()) return policy.error().with_context(flags.policy_file);
    if (flags.allow_simulated) policy->allow_simulated = true;
    return policy;
  }
  if (flags.log_vkey.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "with --host, give --policy FILE or --log-vkey VKEY (without --host, the "
                 "account's own policy is used)");
  }
  client::TrustPolicy policy;
  auto log_key = tlog::NoteVerifier::parse(flags.log_vkey);
  if (!log_key.ok()) return log_key.error().with_context("--log-vkey");
  policy.log_keys.push_back(std::move(log_key).value());
  for (const std::string& vkey : flags.witness_vkeys) {
    auto witness = tlog::NoteVerifier::parse(vkey);
    if (!witness.ok()) return witness.error().with_context("--witness-vkey");
    policy.witnesses.push_back(std::move(witness).value());
  }
  policy.witness_threshold = flags.witness_threshold;
  if (policy.witness_threshold > policy.witnesses.size()) {
    return Error(ErrorCode::kInvalidArgument,
                 "--witness-threshold is larger than the number of --witness-vkey keys");
  }
  policy.allow_simulated = flags.allow_simulated;
  return policy;
}

int run_proxy(Program& program, const ProxyFlags& flags) {
  auto listen = parse_listen(flags.listen);
  if (!listen.ok()) return program.fail(listen.error());
  if (!is_loopback(listen->address) && !flags.allow_non_loopback) {
    return program.fail(
        Error(ErrorCode::kInvalidArgument, "refusing to listen on " + listen->address +
                                               ": anyone who reaches the proxy chats as you; pass "
                                               "--allow-non-loopback to do it anyway"));
  }
  // Without --host, the proxy speaks for the unlocked account in the state
  // directory: its host, its trust policy, and a fresh sign-in per session.
  std::shared_ptr<Session> account;
  ProxyFlags resolved = flags;
  if (resolved.host_url.empty()) {
    const std::filesystem::path home = client::resolve_home(flags.common.home);
    auto opened = open_session(home);
    if (!opened.ok()) return report_failure(opened.error());
    account = std::make_shared<Session>(std::move(opened).value());
    resolved.host_url = account->account.session_url.empty() ? account->account.host + "/v1/session"
                                                             : account->account.session_url;
    if (resolved.policy_file.empty() && resolved.log_vkey.empty()) {
      resolved.policy_file = client::policy_path(home).string();
    }
  }
  auto policy = trust_policy(resolved);
  if (!policy.ok()) return program.fail(policy.error());
  auto relay = client::relay_url(resolved.host_url);
  if (!relay.ok()) return program.fail(relay.error().with_context("--host"));
  resolved.host_url = *relay;
  std::string log_url = resolved.log_url;
  if (log_url.empty()) log_url = client::default_log_url(*net::parse_url(*relay));
  std::function<Result<std::string>()> bearer_token;
  if (account) {
    bearer_token = [account]() -> Result<std::string> {
      CLOISTER_TRY(account->host->sign_in(account->keys.identity));
      return account->host->token();
    };
  } else if (!flags.token.empty()) {
    bearer_token = [token = flags.token]() -> Result<std::string> { return token; };
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  net::IoPool pool(1);
  client::proxy::SessionUpstreamOptions upstream_options{
      .url = resolved.host_url,
      .policy = std::move(policy).value(),
      .policy_file = std::nullopt,
      .bearer_token = std::move(bearer_token),
      .log_url = std::move(log_url),
  };
  if (!resolved.policy_file.empty()) upstream_options.policy_file = resolved.policy_file;
  auto upstream = std::make_shared<client::proxy::SessionUpstream>(pool, upstream_options);
  if (upstream_options.policy.allow_simulated) {
    std::cerr << "cloister proxy: SIMULATED evidence is allowed: development only, answers may "
                 "come from an unprotected machine"
              << std::endl;
  }
  // Attest first, so that a bad enclave is reported now rather than at the first request.
  if (auto attested = upstream->attest(); attested.ok()) {
    std::cerr << "cloister proxy: verified " << attested->platform
              << (attested->simulated ? " (SIMULATED)" : "") << " release "
              << attested->release_version << " manifest " << attested->manifest_sha256_hex
              << std::endl;
  } else {
    std::cerr << "cloister proxy: not verified, every request will be refused until it is: "
              << attested.error().message() << std::endl;
  }

  auto router = client::proxy::make_proxy_router(upstream);
  if (!router.ok()) return program.fail(router.error());
  net::ServerOptions server_options;
  server_options.address = listen->address;
  server_options.port = listen->port;
  server_options.handler_threads = 16;  // a stream holds a handler thread while it runs
  auto server = net::HttpServer::start(std::move(router).value(), server_options);
  if (!server.ok()) return program.fail(server.error());
  std::cerr << "cloister proxy: listening on http://" << listen->address << ":" << (*server)->port()
            << "/v1 port=" << (*server)->port() << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  std::cerr << "cloister proxy: stopping" << std::endl;
  (*server)->stop();
  return kExitOk;
}

}  // namespace

void register_proxy_command(Program& program) {
  auto flags = std::make_shared<ProxyFlags>();
  CLI::App* command = program.app().add_subcommand(
      "proxy", "Serve an OpenAI-compatible API that attests the enclave before forwarding");
  command->add_option("--listen", flags->listen, "ADDRESS:PORT to listen on (port 0 picks one)")
      ->capture_default_str();
  command->add_flag("--allow-non-loopback", flags->allow_non_loopback,
                    "Allow listening on an address other than loopback (anyone who reaches it "
                    "chats through your session)");
  add_common_options(command, flags->common);
  command->add_option("--host", flags->host_url,
                      "The host's session relay, e.g. wss://cloister.example/v1/session "
                      "(default: the unlocked account's host, policy and sign-in)");
  command->add_option("--policy", flags->policy_file,
                      "A client trust policy file (docs/client.md), e.g. ~/.config/cloister/"
                      "policy.json; newer checkpoints are recorded in it");
  command->add_option("--log-url", flags->log_url,
                      "The log's tiles, for consistency proofs (default: the host's /log/)");
  command->add_option("--log-vkey", flags->log_vkey,
                      "Without --policy: the transparency log's key (note verifier)");
  command->add_option("--witness-vkey", flags->witness_vkeys, "A witness key (repeatable)");
  command
      ->add_option("--witness-threshold", flags->witness_threshold,
                   "How many witnesses must cosign the checkpoint")
      ->capture_default_str();
  command->add_flag("--allow-simulated", flags->allow_simulated,
                    "DEVELOPMENT ONLY: accept SIMULATED evidence (no hardware protection)");
  command->add_option("--token", flags->token, "A sign-in token for the host's relay (Bearer)");
  program.on(command, [&program, flags] { return run_proxy(program, *flags); });
}

}  // namespace cloister::tools
