#include "enclave/embedded_backend.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>

namespace cloister::enclave {
namespace {

using namespace std::chrono_literals;

ChatFailure shutting_down() {
  return {ChatErrorCode::kEngineFailure, "the enclave is shutting down"};
}

// Observers are told outside the queue's lock, in order.
struct Notice {
  std::shared_ptr<CompletionObserver> observer;
  std::optional<ChatFailure> failure;  // unset: finished as cancelled
  Usage usage;
};

void deliver(std::vector<Notice>& notices) {
  for (Notice& notice : notices) {
    if (notice.failure) {
      notice.observer->on_failed(std::move(*notice.failure));
    } else {
      notice.observer->on_finished(engine::FinishReason::kCancelled, notice.usage);
    }
  }
  notices.clear();
}

// Makes the calling thread, and the threads it starts from now on (they
// inherit the policy), batch work: the same share of the CPU as before, but
// waking it preempts no running thread. Without this, a session thread that
// handed the engine a request was often preempted by the engine it woke, on
// its own CPU, and waited there for the next scheduler tick (up to 4 ms) while
// the other CPU idled. Best effort: a kernel that refuses keeps the default.
void schedule_as_batch_work() {
  const sched_param param{};
  (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
}

uint32_t resolve_context(const engine::Model& model, uint32_t requested) {
  return requested != 0 ? requested : model.info().context_length;
}

}  // namespace

EmbeddedBackend::EmbeddedBackend(std::shared_ptr<const engine::Model> model,
                                 EmbeddedOptions options)
    : model_(std::move(model)),
      options_(options),
      context_length_(resolve_context(*model_, options_.context_length)),
      queue_(options_.max_queued) {
  options_.max_batch = std::max(1u, options_.max_batch);
  thread_ = std::thread([this] { run(); });
}

EmbeddedBackend::~EmbeddedBackend() { stop(); }

void EmbeddedBackend::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<Notice> notices;
  {
    std::lock_guard lock(mutex_);
    while (auto pending = queue_.pop()) {
      notices.push_back({std::move(pending->observer), shutting_down(), {}});
    }
  }
  deliver(notices);
}

BackendLoad EmbeddedBackend::load() const {
  std::lock_guard lock(mutex_);
  return {queue_.size(), running_count_.load()};
}

Result<std::string> EmbeddedBackend::render(const ChatRequest& request) const {
  if (options_.prompt.plain) {
    std::string prompt;
    for (const engine::ChatMessage& message : request.messages) prompt += message.content;
    return prompt;
  }
  std::string_view format_name;
  if (options_.prompt.chat_format)
    format_name = engine::chat_format_name(*options_.prompt.chat_format);
  return model_->apply_chat_template(request.messages, true, format_name);
}

engine::GenerationOptions EmbeddedBackend::generation_options(
    const SamplingRequest& sampling) const {
  engine::GenerationOptions options;
  options.sampling.temperature = static_cast<float>(sampling.temperature);
  options.sampling.top_p = static_cast<float>(sampling.top_p);
  // The chat API exposes OpenAI's sampler: temperature and top-p only.
  options.sampling.top_k = 0;
  options.sampling.min_p = 0;
  options.sampling.repeat_penalty = 1;
  options.sampling.seed = sampling.seed;
  options.max_tokens =
      std::min(sampling.max_tokens.value_or(options_.max_tokens), options_.max_tokens);
  options.stop = sampling.stop;
  return options;
}

std::optional<ChatFailure> EmbeddedBackend::submit(ChatJob job) {
  if (stopping_) return shutting_down();
  Result<std::string> prompt = render(job.request);
  if (!prompt.ok()) {
    // The engine's message may quote a role; the client gets a fixed text.
    return ChatFailure{ChatErrorCode::kInvalidRequest,
                       "params.messages cannot be expressed in the model's chat format"};
  }
  Pending pending;
  pending.prompt = model_->tokenize(*prompt, true, !options_.prompt.plain);
  if (pending.prompt.empty()) {
    return ChatFailure{ChatErrorCode::kInvalidRequest, "params.messages make an empty prompt"};
  }
  if (pending.prompt.size() >= context_length_) {
    return ChatFailure{ChatErrorCode::kContextLengthExceeded,
                       "the prompt has " + std::to_string(pending.prompt.size()) +
                           " tokens and the context holds " + std::to_string(context_length_) +
                           " (at least one must be left for the answer)"};
  }
  pending.options = generation_options(job.request.sampling);
  pending.observer = std::move(job.observer);

  std::vector<Notice> notices;
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= queue_.capacity()) {
      // Cancelled jobs hold no place they could use: drop them first.
      for (Pending& dropped :
           queue_.remove_if([](const Pending& p) { return p.observer->cancelled(); })) {
        notices.push_back({std::move(dropped.observer), std::nullopt, {}});
      }
    }
    queued = queue_.push(job.session_id, std::move(pending));
  }
  deliver(notices);
  if (!queued) {
    return ChatFailure{ChatErrorCode::kOverloaded, "the enclave's queue is full; try again later"};
  }
  wake_.notify_all();
  return std::nullopt;
}

void EmbeddedBackend::run() {
  schedule_as_batch_work();  // before the generator starts its pool's threads
  engine::GeneratorOptions generator_options;
  generator_options.context_length = context_length_;
  generator_options.max_sequences = options_.max_batch;
  generator_options.threads = options_.threads;
  engine::Generator generator(*model_, generator_options);
  while (true) {
    {
      std::unique_lock lock(mutex_);
      // With sequences running there is no waiting; idle, cancellations of
      // queued jobs are noticed when the next job arrives or within a second.
      wake_.wait_for(lock, 1s, [&] { return stopping_ || !queue_.empty() || !running_.empty(); });
      if (stopping_) break;
    }
    admit(generator);
    drop_cancelled(generator);
    if (!running_.empty()) step(generator);
    running_count_ = running_.size();
  }
  fail_all(generator, shutting_down());
  running_count_ = 0;
}

void EmbeddedBackend::admit(engine::Generator& generator) {
  std::vector<Notice> notices;
  {
    std::lock_guard lock(mutex_);
    while (generator.sequence_count() < options_.max_batch && !queue_.empty()) {
      Pending pending = std::move(*queue_.pop());
      const auto prompt_tokens = static_cast<uint32_t>(pending.prompt.size());
      if (pending.observer->cancelled()) {
        notices.push_back({std::move(pending.observer), std::nullopt, {prompt_tokens, 0}});
        continue;
      }
      Result<engine::SequenceId> id = generator.add_sequence(pending.prompt, pending.options);
      if (!id.ok()) {
        notices.push_back(
            {std::move(pending.observer),
             ChatFailure{ChatErrorCode::kEngineFailure, "the engine could not start the sequence"},
             {}});
        continue;
      }
      running_.push_back({*id, std::move(pending.observer), prompt_tokens, 0});
    }
  }
  deliver(notices);
}

void EmbeddedBackend::drop_cancelled(engine::Generator& generator) {
  for (auto it = running_.begin(); it != running_.end();) {
    if (!it->observer->cancelled()) {
      ++it;
      continue;
    }
    generator.remove_sequence(it->id);
    it->observer->on_finished(engine::FinishReason::kCancelled,
                              {it->prompt_tokens, it->completion_tokens});
    it = running_.erase(it);
  }
}

void EmbeddedBackend::step(engine::Generator& generator) {
  Result<std::vector<engine::SequenceEvent>> events = generator.step();
  if (!events.ok()) {
    fail_all(generator, {ChatErrorCode::kEngineFailure, "the engine failed"});
    return;
  }
  for (const engine::SequenceEvent& event : *events) {
    auto it = std::find_if(running_.begin(), running_.end(),
                           [&](const Running& r) { return r.id == event.id; });
    if (it == running_.end()) continue;
    // The end-of-turn token is not part of the answer, as in engine::generate.
    const bool end_of_turn = event.token && event.finished &&
                             *event.finished == engine::FinishReason::kStop &&
                             model_->is_end_of_generation(*event.token);
    if (event.token && !end_of_turn) ++it->completion_tokens;
    if (!event.text.empty()) it->observer->on_text(to_valid_utf8(event.text));
    if (event.finished) {
      generator.remove_sequence(it->id);
      it->observer->on_finished(*event.finished, {it->prompt_tokens, it->completion_tokens});
      running_.erase(it);
    }
  }
}

void EmbeddedBackend::fail_all(engine::Generator& generator, const ChatFailure& failure) {
  for (Running& running : running_) {
    generator.remove_sequence(running.id);
    running.observer->on_failed(failure);
  }
  running_.clear();
}

}  // namespace cloister::enclave
