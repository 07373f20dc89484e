// The embedded back end: the in-process engine, driven by one scheduler
// thread doing continuous batching over engine::Generator. Every step
// advances all admitted sequences by one token; between steps, finished and
// cancelled sequences leave and queued jobs join, taken in turn from each
// session (FairQueue) so that no session starves another. Output goes to the
// jobs' observers, which never block, so a slow client cannot stall the batch.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "enclave/backend.h"
#include "enclave/fair_queue.h"

namespace cloister::enclave {

// How prompts are made from messages.
struct PromptFormat {
  // Plain: the message contents concatenated in order, with no markers; for
  // base models that have no chat template (e.g. TinyStories).
  bool plain = false;
  // Otherwise this chat format, or the model's own when unset.
  std::optional<engine::ChatFormat> chat_format;
};

struct EmbeddedOptions {
  PromptFormat prompt;
  uint32_t context_length = 0;  // per sequence; 0: the model's
  uint32_t max_batch = 8;       // sequences decoded together
  unsigned threads = 1;         // threads for the matrix products
  size_t max_queued = 256;      // jobs waiting for a place in the batch
  uint32_t max_tokens = 2048;   // the default and the cap of a request's max_tokens
};

class EmbeddedBackend final : public Backend {
 public:
  // Starts the scheduler thread for `model`.
  EmbeddedBackend(std::shared_ptr<const engine::Model> model, EmbeddedOptions options);
  // Stops (see stop()).
  ~EmbeddedBackend() override;
  EmbeddedBackend(const EmbeddedBackend&) = delete;
  EmbeddedBackend& operator=(const EmbeddedBackend&) = delete;

  std::string_view kind() const override { return "embedded"; }
  // Renders and tokenizes the prompt on the caller's thread, so that a
  // request that cannot fit fails at once, then queues it.
  std::optional<ChatFailure> submit(ChatJob job) override;
  BackendLoad load() const override;
  bool healthy() override { return !stopping_.load(); }
  void stop() override;

  // Returns the context length each sequence gets.
  uint32_t context_length() const { return context_length_; }

 private:
  struct Pending {
    std::vector<engine::TokenId> prompt;
    engine::GenerationOptions options;
    std::shared_ptr<CompletionObserver> observer;
  };
  struct Running {
    engine::SequenceId id = 0;
    std::shared_ptr<CompletionObserver> observer;
    uint32_t prompt_tokens = 0;
    uint32_t completion_tokens = 0;
  };

  Result<std::string> render(const ChatRequest& request) const;
  engine::GenerationOptions generation_options(const SamplingRequest& sampling) const;
  void run();
  void admit(engine::Generator& generator);
  void step(engine::Generator& generator);
  void drop_cancelled(engine::Generator& generator);
  void fail_all(engine::Generator& generator, const ChatFailure& failure);

  std::shared_ptr<const engine::Model> model_;
  EmbeddedOptions options_;
  uint32_t context_length_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  FairQueue<Pending> queue_;  // guarded by mutex_
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> running_count_{0};

  std::vector<Running> running_;  // the scheduler thread's alone
  std::thread thread_;
};

}  // namespace cloister::enclave
