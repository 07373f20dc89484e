// Test and benchmark support: the whole service on loopback. A real release
// of one model (log, witness, manifest, proof), real cloister-enclave
// processes with the SIMULATED TEE provider, the real cloister-host process
// over SQLite relaying to them, a signed-in account, and verified sessions
// through the host's relay (enclave::testing::TestClient, or the client
// library's VerifiedConnection).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/connect/verified_connection.h"
#include "enclave/testing/child_process.h"
#include "enclave/testing/release_fixture.h"
#include "enclave/testing/test_client.h"
#include "host/testing/host_harness.h"
#include "host/testing/host_process.h"
#include "net/io_pool.h"
#include "session/websocket_transport.h"

namespace cloister::system_testing {

// One cloister-enclave process and the port it listens on.
struct EnclaveReplica {
  std::unique_ptr<enclave::testing::ChildProcess> process;
  uint16_t port = 0;

  // The host's relay.replicas[] entry for this enclave, reached through
  // `via_port` (e.g. a TcpTap's) when it is not 0.
  nlohmann::json replica_config(const std::string& name, uint16_t via_port = 0) const;
  // Returns the process id, for reading its memory from /proc.
  pid_t pid() const;
};

// A verified session through the host's relay.
struct RelayedSession {
  std::unique_ptr<session::WebSocketTransport> transport;
  std::unique_ptr<enclave::testing::TestClient> client;
};

class LocalStack {
 public:
  // Makes a release of the model at `model` (served under the file's stem)
  // measuring `enclave_binary`, in a fresh temporary directory. Nothing runs
  // yet.
  LocalStack(const std::filesystem::path& model, std::string enclave_binary,
             std::string host_binary);

  // Starts a cloister-enclave in work()/`name`; `extra` flags are added (e.g.
  // "--max-sessions"). Fails if it is not ready within 120 s.
  Result<EnclaveReplica> start_enclave(const std::string& name,
                                       const std::vector<std::string>& extra = {});
  // Starts the cloister-host over SQLite in work()/host, relaying to
  // `replicas`, with `limits` merged into its configuration's limits, and
  // signs a fresh account in.
  Status start_host(const nlohmann::json& replicas,
                    const nlohmann::json& limits = nlohmann::json::object());
  // Waits up to 10 s until the host's metrics report `replica` up (or down).
  Status wait_for_replica(const std::string& replica, bool up);
  // Dials the host's relay as the signed-in account (through `via_port`,
  // e.g. a TcpTap's, when it is not 0) and verifies the enclave. With
  // `fresh_evidence` the client sends a nonce, so the enclave makes a new
  // report for this session; without, it offers its cached evidence.
  Result<RelayedSession> open_session(uint16_t via_port = 0, bool fresh_evidence = true);
  // Connects through the host's relay with the client library, as the
  // signed-in account, trusting this release's log and witness and SIMULATED
  // evidence.
  Result<std::unique_ptr<client::VerifiedConnection>> connect_client(
      const client::EvidenceOptions& evidence = {});

  const std::filesystem::path& work() const { return work_.path(); }
  const std::filesystem::path& model() const { return model_; }
  const enclave::testing::ReleaseFixture& release() const { return *release_; }
  host::testing::HostProcess& host() { return *host_; }
  std::string host_url() const;

 private:
  enclave::testing::TempDir work_;
  std::filesystem::path model_;
  std::string enclave_binary_;
  std::string host_binary_;
  std::unique_ptr<enclave::testing::ReleaseFixture> release_;
  std::unique_ptr<host::testing::HostProcess> host_;
  host::testing::TestUser user_;
  net::IoPool io_{1};
};

// Returns the contents of every regular file under `root`.
std::vector<std::pair<std::filesystem::path, std::string>> files_under(
    const std::filesystem::path& root);

}  // namespace cloister::system_testing
