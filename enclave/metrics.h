// The enclave's metrics for the host (GET /metrics, Prometheus text): counts,
// sizes and latencies only. Label values come from fixed sets (outcome and
// error names), so that no series can be named after anything a client sent.
#pragma once

#include <string>
#include <string_view>

#include "enclave/chat_api.h"
#include "net/metrics.h"

namespace cloister::enclave {

// Facts about this enclave that the host may know (no secrets, no content).
struct EnclaveIdentity {
  std::string provider;  // "simulated", "configfs-tsm" or "sev-guest"
  std::string backend;   // "embedded" or "upstream"
  std::string version;   // the release manifest's version
  bool simulated = false;
};

class EnclaveMetrics {
 public:
  explicit EnclaveMetrics(const EnclaveIdentity& identity);

  net::MetricsRegistry& registry() { return registry_; }
  // Returns the Prometheus text of every series.
  std::string render() const { return registry_.render(); }

  // Sessions.
  void session_opened() { sessions_open_.add(1); }
  void session_closed() { sessions_open_.add(-1); }
  void handshake_succeeded(double seconds);
  void handshake_failed();
  void session_refused() { sessions_refused_.inc(); }

  // Requests: `method` is kMethodChatCompletions or kMethodModelsList.
  void request_completed(std::string_view method);
  void request_cancelled() { requests_cancelled_.inc(); }
  void request_failed(ChatErrorCode code);
  void tokens(uint32_t prompt_tokens, uint32_t completion_tokens);
  void first_token(double seconds) { time_to_first_token_.observe(seconds); }
  void request_duration(double seconds) { request_duration_.observe(seconds); }

  // Engine load, sampled when /metrics is read.
  void backend_load(size_t queued, size_t running);

  // Evidence.
  void evidence_produced(bool with_nonce, double seconds);
  void evidence_failed();
  void memory_locked(bool locked) { memory_locked_.set(locked ? 1 : 0); }

 private:
  net::MetricsRegistry registry_;
  net::Gauge& sessions_open_;
  net::Counter& sessions_refused_;
  net::Counter& handshakes_ok_;
  net::Counter& handshakes_failed_;
  net::Histogram& handshake_duration_;
  net::Counter& requests_cancelled_;
  net::Counter& prompt_tokens_;
  net::Counter& completion_tokens_;
  net::Histogram& time_to_first_token_;
  net::Histogram& request_duration_;
  net::Gauge& queued_;
  net::Gauge& running_;
  net::Counter& evidence_failed_;
  net::Gauge& memory_locked_;
};

}  // namespace cloister::enclave
