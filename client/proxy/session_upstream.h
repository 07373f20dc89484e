// A ChatUpstream over one verified session through the host's relay. It
// attests on first use: the release proof against the pinned log and
// witnesses, the evidence (SIMULATED only when the policy allows it), the
// measurement the logged manifest lists, and the REPORT_DATA binding. When
// the session drops (the enclave or the host restarted) the next request
// opens a new session and attests again. Every receipt is checked before its
// end event is handed over.
//
// This is the proxy's own connection until client/connect lands; it verifies
// SEV-SNP and SIMULATED evidence and refuses TDX and GPU evidence.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "client/proxy/upstream.h"
#include "net/io_pool.h"
#include "tlog/release_verify.h"

namespace cloister::client::proxy {

struct SessionUpstreamOptions {
  std::string url;  // the host's relay, e.g. ws://127.0.0.1:8443/v1/session
  tlog::LogTrustPolicy log_policy;
  bool allow_simulated = false;     // development only; responses then say SIMULATED
  std::string authorization_token;  // sent in the handshake; empty for none
  std::chrono::seconds handshake_timeout{30};
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
