#include "enclave/metrics.h"

namespace cloister::enclave {

EnclaveMetrics::EnclaveMetrics(const EnclaveIdentity& identity)
    : sessions_open_(registry_.gauge("cloister_enclave_sessions_open",
                                     "Sessions established and not yet ended")),
      sessions_refused_(
          registry_.counter("cloister_enclave_sessions_refused_total",
                            "Connections refused because the session limit was reached")),
      handshakes_ok_(registry_.counter("cloister_enclave_handshakes_total",
                                       "Session handshakes by outcome", {{"outcome", "ok"}})),
      handshakes_failed_(registry_.counter("cloister_enclave_handshakes_total",
                                           "Session handshakes by outcome",
                                           {{"outcome", "failed"}})),
      handshake_duration_(registry_.histogram("cloister_enclave_handshake_seconds",
                                              "Time from connection to established session")),
      requests_cancelled_(registry_.counter("cloister_enclave_requests_cancelled_total",
                                            "Requests the client cancelled")),
      prompt_tokens_(
          registry_.counter("cloister_enclave_prompt_tokens_total", "Prompt tokens processed")),
      completion_tokens_(
          registry_.counter("cloister_enclave_completion_tokens_total", "Tokens generated")),
      time_to_first_token_(registry_.histogram("cloister_enclave_time_to_first_token_seconds",
                                               "Time from a complete request to its first text")),
      request_duration_(registry_.histogram("cloister_enclave_request_seconds",
                                            "Time from a complete request to its last frame")),
      queued_(
          registry_.gauge("cloister_enclave_queued_requests", "Requests waiting for the engine")),
      running_(registry_.gauge("cloister_enclave_running_requests",
                               "Requests the engine is working on")),
      evidence_failed_(registry_.counter("cloister_enclave_evidence_failures_total",
                                         "Attempts to obtain evidence that failed")),
      memory_locked_(registry_.gauge("cloister_enclave_memory_locked",
                                     "1 if all of the process's memory is locked in RAM")) {
  // The SIMULATED provider is announced in every scrape, not only at boot.
  registry_
      .gauge("cloister_enclave_info", "Static facts about this enclave (value is always 1)",
             {{"backend", identity.backend},
              {"provider", identity.provider},
              {"simulated", identity.simulated ? "true" : "false"},
              {"version", identity.version}})
      .set(1);
  if (identity.simulated) {
    registry_
        .gauge("cloister_enclave_simulated_evidence",
               "1: this enclave's evidence is SIMULATED (development only, not a TEE)",
               {{"warning", "SIMULATED evidence: not a confidential VM"}})
        .set(1);
  }
}

void EnclaveMetrics::handshake_succeeded(double seconds) {
  handshakes_ok_.inc();
  handshake_duration_.observe(seconds);
}

void EnclaveMetrics::handshake_failed() { handshakes_failed_.inc(); }

void EnclaveMetrics::request_completed(std::string_view method) {
  registry_
      .counter("cloister_enclave_requests_total", "Requests answered, by method",
               {{"method", std::string(method)}})
      .inc();
}

void EnclaveMetrics::request_failed(ChatErrorCode code) {
  registry_
      .counter("cloister_enclave_request_errors_total",
               "Requests that ended with an error, by code",
               {{"code", std::string(chat_error_name(code))}})
      .inc();
}

void EnclaveMetrics::tokens(uint32_t prompt_tokens, uint32_t completion_tokens) {
  prompt_tokens_.inc(prompt_tokens);
  completion_tokens_.inc(completion_tokens);
}

void EnclaveMetrics::backend_load(size_t queued, size_t running) {
  queued_.set(static_cast<int64_t>(queued));
  running_.set(static_cast<int64_t>(running));
}

void EnclaveMetrics::evidence_produced(bool with_nonce, double seconds) {
  registry_
      .histogram("cloister_enclave_evidence_seconds", "Time to obtain evidence from the TEE",
                 {{"nonce", with_nonce ? "client" : "none"}})
      .observe(seconds);
}

void EnclaveMetrics::evidence_failed() { evidence_failed_.inc(); }

}  // namespace cloister::enclave
