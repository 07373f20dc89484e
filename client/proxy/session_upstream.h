// A ChatUpstream over one verified session through the host's relay, shared
// by all requests as multiplexed streams. It attests on first use with the
// client's verifier (client::verify_offer: release proof against the pinned
// log, witnesses and stored checkpoint; evidence under the trust policy,
// SIMULATED only when it allows it; measurement, TCB, binding, GPU). When
// the session drops (the enclave or the host restarted) the next request
// opens a new session and attests again. Every receipt is checked before its
// end event is handed over.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "client/policy/trust_policy.h"
#include "client/proxy/upstream.h"
#include "net/io_pool.h"

namespace cloister::client::proxy {

struct SessionUpstreamOptions {
  std::string url;  // the host's relay, e.g. ws://127.0.0.1:8443/v1/session
  TrustPolicy policy;
  // When set, a newer verified checkpoint is recorded in this policy file.
  std::optional<std::filesystem::path> policy_file;
  // Returns the host's sign-in token for a new session (empty for none). It
  // is called for every connection, so a long-running proxy can sign in
  // afresh when its token has expired. Unset: no token.
  std::function<Result<std::string>()> bearer_token;
  std::string log_url;  // the log's tiles, for consistency proofs; empty: none
};

class SessionUpstream final : public ChatUpstream {
 public:
  class Connection;

  // `pool` runs the WebSocket and must outlive the upstream.
  SessionUpstream(net::IoPool& pool, SessionUpstreamOptions options);
  ~SessionUpstream() override;
  SessionUpstream(const SessionUpstream&) = delete;
  SessionUpstream& operator=(const SessionUpstream&) = delete;

  Result<std::unique_ptr<ChatStream>> open(const std::string& request_body) override;
  Result<AttestedEnclave> attest() override;

 private:
  // Returns the live connection, connecting and attesting if there is none.
  Result<std::shared_ptr<Connection>> connection();

  net::IoPool& pool_;
  SessionUpstreamOptions options_;
  std::mutex mutex_;  // guards current_ and serializes reconnects
  std::shared_ptr<Connection> current_;
};

}  // namespace cloister::client::proxy
