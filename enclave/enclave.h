// The enclave service: boot (keys, release, model check, evidence, engine)
// and serving (Noise sessions on GET /v1/session, GET /healthz, GET /metrics).
//
// Boot order, each step failing closed:
//   1. the static Noise key and the receipt key, in locked memory;
//   2. the release manifest and its proof, cross-checked;
//   3. the engine settings the manifest fixes; the model file's SHA-256
//      against the manifest's model digests;
//   4. first evidence from the TEE (the SIMULATED provider is announced);
//   5. the back end (embedded engine, or the manifest's loopback upstream);
//   6. the HTTP server.
// The enclave keeps nothing between requests and writes nothing to disk
// (the simulated provider's state directory excepted, which holds no content).
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "enclave/config.h"
#include "enclave/evidence_service.h"
#include "enclave/metrics.h"
#include "net/http_server.h"

namespace cloister::enclave {

// The keys an enclave is born with; generated at boot, never stored.
struct EnclaveKeys {
  std::shared_ptr<const crypto::X25519KeyPair> noise_static;
  crypto::Ed25519KeyPair receipt;
};

// Returns fresh keys (in locked memory once harden_process has run).
EnclaveKeys generate_enclave_keys();

// The route the host relays client WebSockets to.
inline constexpr std::string_view kSessionPath = "/v1/session";

class Enclave {
 public:
  // Boots and starts serving. Fails, naming the step, when anything the
  // release requires is missing or differs (e.g. the model's digest).
  static Result<std::unique_ptr<Enclave>> start(const EnclaveConfig& config,
                                                const Clock& clock = system_clock());
  // Stops (see stop()).
  ~Enclave();
  Enclave(const Enclave&) = delete;
  Enclave& operator=(const Enclave&) = delete;

  // Returns the bound port.
  uint16_t port() const;
  // Returns the enclave's public keys and what it serves, for tests and logs.
  const crypto::X25519PublicKey& static_public_key() const {
    return keys_.noise_static->public_key;
  }
  const crypto::Ed25519PublicKey& receipt_public_key() const { return keys_.receipt.public_key; }
  const crypto::Sha256Digest& manifest_sha256() const { return release_.manifest_sha256; }
  const ServedModel& model() const { return model_; }
  Backend& backend() { return *backend_; }
  EnclaveMetrics& metrics() { return *metrics_; }

  // Closes every session (WebSocket 1001), stops the back end and joins every
  // thread. Idempotent.
  void stop();

 private:
  Enclave(const EnclaveConfig& config, const Clock& clock);
  Status boot();
  Result<EvidenceSources> open_evidence_sources();
  Status start_backend(const EngineSettings& settings);
  Status start_server();
  void admit(std::shared_ptr<net::WebSocket> socket);
  void run_session(std::shared_ptr<net::WebSocket> socket, uint64_t session_id);
  void reap_sessions();

  EnclaveConfig config_;
  const Clock& clock_;
  EnclaveKeys keys_;
  Release release_;
  ServedModel model_;
  std::unique_ptr<EnclaveMetrics> metrics_;
  std::unique_ptr<EvidenceService> evidence_;
  std::unique_ptr<Backend> backend_;
  ServingContext serving_;
  std::unique_ptr<net::HttpServer> server_;

  struct SessionThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
    std::weak_ptr<net::WebSocket> socket;  // to close it when the enclave stops
  };
  std::mutex sessions_mutex_;
  std::list<SessionThread> sessions_;  // guarded by sessions_mutex_
  std::atomic<size_t> active_sessions_{0};
  std::atomic<uint64_t> next_session_id_{1};
  bool stopping_ = false;  // guarded by sessions_mutex_
};

}  // namespace cloister::enclave
