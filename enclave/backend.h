// The engine behind the chat API, as one interface with two implementations:
// the embedded engine in this process (embedded_backend.h) and an
// OpenAI-compatible server on loopback inside the same VM
// (upstream_backend.h). A back end runs accepted jobs on its own threads and
// reports each job's output to the job's observer.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "enclave/chat_api.h"

namespace cloister::enclave {

// Receives one job's output. Back ends call it from their own threads, and
// none of its methods may block: a slow client must never slow the engine.
class CompletionObserver {
 public:
  virtual ~CompletionObserver() = default;
  // The next piece of the answer (valid UTF-8, possibly empty).
  virtual void on_text(std::string_view text) = 0;
  // The job ended: normally, at a limit, or (kCancelled) because cancelled() said so.
  virtual void on_finished(engine::FinishReason reason, const Usage& usage) = 0;
  // The job failed after it was accepted.
  virtual void on_failed(ChatFailure failure) = 0;
  // Polled by the back end between tokens: true once the job should stop.
  virtual bool cancelled() const = 0;
};

struct ChatJob {
  uint64_t session_id = 0;  // jobs are scheduled fairly across sessions
  ChatRequest request;
  std::shared_ptr<CompletionObserver> observer;
};

// Content-free counts for metrics and health.
struct BackendLoad {
  size_t queued = 0;
  size_t running = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Returns "embedded" or "upstream".
  virtual std::string_view kind() const = 0;
  // Queues `job`, or returns why it cannot run at all (the observer is then
  // never called). Once accepted, the observer gets exactly one of
  // on_finished and on_failed, after any number of on_text calls.
  virtual std::optional<ChatFailure> submit(ChatJob job) = 0;
  // Returns the current queue and batch sizes.
  virtual BackendLoad load() const = 0;
  // Returns true while the back end can serve (its engine is reachable).
  virtual bool healthy() = 0;
  // Fails every queued and running job and stops the back end's threads. Idempotent.
  virtual void stop() = 0;
};

}  // namespace cloister::enclave
