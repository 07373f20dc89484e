// The upstream back end: an OpenAI-compatible server (vLLM, SGLang,
// llama.cpp's llama-server, cloister-engine serve) on loopback inside the
// same confidential VM. Its address comes from the measured release manifest,
// never from the host. Worker threads take jobs in turn from each session
// (FairQueue) and stream each answer with POST /v1/chat/completions over
// Server-Sent Events; the upstream does its own batching.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "enclave/backend.h"
#include "enclave/fair_queue.h"

namespace cloister::enclave {

struct UpstreamOptions {
  std::string origin;      // e.g. "http://127.0.0.1:8000"; must be loopback
  std::string model_name;  // the model id the upstream serves
  size_t workers = 8;      // requests in flight upstream at once
  size_t max_queued = 256;
  uint32_t max_tokens = 2048;  // the default and the cap of a request's max_tokens
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds read_idle_timeout{120'000};  // longest wait for the next token
};

// Checks that `url` is an http:// URL whose host is a loopback address
// (127.0.0.0/8, ::1 or localhost) and returns its origin. Fails with
// kInvalidArgument otherwise: inference must not leave the VM.
Result<std::string> loopback_origin(std::string_view url);

class UpstreamBackend final : public Backend {
 public:
  // Starts the workers. `options.origin` must pass loopback_origin.
  static Result<std::unique_ptr<UpstreamBackend>> start(UpstreamOptions options);
  // Stops (see stop()).
  ~UpstreamBackend() override;
  UpstreamBackend(const UpstreamBackend&) = delete;
  UpstreamBackend& operator=(const UpstreamBackend&) = delete;

  std::string_view kind() const override { return "upstream"; }
  std::optional<ChatFailure> submit(ChatJob job) override;
  BackendLoad load() const override;
  // Asks the upstream for GET /v1/models (at most every few seconds).
  bool healthy() override;
  void stop() override;

 private:
  explicit UpstreamBackend(UpstreamOptions options);
  void work();
  void run_job(ChatJob& job);

  UpstreamOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  FairQueue<ChatJob> queue_;  // guarded by mutex_
  bool stopping_ = false;     // guarded by mutex_
  std::atomic<size_t> running_{0};
  std::vector<std::thread> workers_;

  std::mutex health_mutex_;
  std::chrono::steady_clock::time_point health_checked_{};
  bool health_ok_ = false;
};

}  // namespace cloister::enclave
