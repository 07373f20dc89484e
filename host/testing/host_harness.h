// Test-only: an in-process cloister-host on loopback over SQLite (or a given
// store), stand-in enclave replicas, and a signing-in API client.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "crypto/curve25519.h"
#include "host/config.h"
#include "host/host_service.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/testing/net_test_util.h"

namespace cloister::host::testing {

// A HostConfig for tests: port 0 on 127.0.0.1, SQLite in `dir`, origin
// "http://cloister.test", generous rate limits (tests that exercise a limit
// lower them), fast health checks, no replicas.
HostConfig test_config(const std::filesystem::path& dir);

// Opens (SQLite unless configured otherwise), migrates and starts a host.
Result<std::unique_ptr<HostService>> start_host(const HostConfig& config);

// Returns "http://127.0.0.1:<port>".
std::string origin_of(const HostService& host);

// A stand-in for an enclave replica (the real one lands with the enclave):
// GET /healthz answers 200 and GET /v1/session echoes every message back.
// Counts the sessions it has accepted.
class EchoReplica {
 public:
  // Listens on `port` (0: any free port).
  static Result<std::unique_ptr<EchoReplica>> start(uint16_t port = 0);
  uint16_t port() const { return server_->port(); }
  ReplicaConfig config(const std::string& name) const;
  size_t sessions() const { return sessions_->load(); }
  // Stops answering, as a crashed replica would.
  void stop() { server_->stop(); }

 private:
  std::unique_ptr<net::HttpServer> server_;
  std::shared_ptr<std::atomic<size_t>> sessions_;
};

// A test user: an Ed25519 account key, and a token once signed in.
class TestUser {
 public:
  TestUser() : key_(crypto::ed25519_generate()) {}

  // Runs the challenge-response sign-in against the host at `origin`.
  Status sign_in(net::HttpClient& client, std::string_view origin);
  // Returns a request carrying this user's bearer token.
  net::HttpRequest request(net::Method method, std::string target, std::string body = {}) const;

  const crypto::Ed25519KeyPair& key() const { return key_; }
  std::string public_key() const;
  const std::string& token() const { return token_; }

 private:
  crypto::Ed25519KeyPair key_;
  std::string token_;
};

}  // namespace cloister::host::testing
