#include "enclave/session_handler.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <variant>

#include "enclave/event_log.h"
#include "session/receipt.h"

namespace cloister::enclave {
namespace {

using session::StreamId;
using Steady = std::chrono::steady_clock;

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

struct Finished {
  engine::FinishReason reason = engine::FinishReason::kStop;
  Usage usage;
};

class Outbox;

// What is fixed about a stream when its request arrives.
struct StreamInfo {
  StreamId id = 0;
  bool stream = false;  // deltas as they come, or the whole answer at the end
  crypto::Sha256Digest request_sha256{};
  Steady::time_point started = Steady::now();
};

// One chat request in progress: the back end's observer, and what the sender
// thread still has to write for it. The mutable fields are guarded by the
// outbox's mutex.
class StreamState final : public CompletionObserver {
 public:
  StreamState(std::shared_ptr<Outbox> outbox, StreamInfo stream_info)
      : info(stream_info), outbox_(std::move(outbox)) {}

  void on_text(std::string_view text) override;
  void on_finished(engine::FinishReason reason, const Usage& usage) override;
  void on_failed(ChatFailure failure) override;
  bool cancelled() const override { return cancelled_.load(); }
  void cancel() { cancelled_ = true; }

  // True if the sender has this stream's start, first text or end to write:
  // those go out at once, while later text may wait to share a frame.
  bool has_urgent_work() const {
    return !wire_done && (!start_taken || (!text_taken && !pending.empty()) ||
                          (!terminal_taken && !std::holds_alternative<std::monostate>(outcome)));
  }
  // True if the sender has anything to write for this stream.
  bool has_work() const { return has_urgent_work() || (!wire_done && !pending.empty()); }

  const StreamInfo info;
  bool start_taken = false;
  bool text_taken = false;    // the sender has taken this stream's first text
  std::string pending;        // text not yet taken by the sender
  size_t buffered_bytes = 0;  // pending, plus everything collected when not streaming
  bool saw_text = false;
  std::variant<std::monostate, Finished, ChatFailure> outcome;  // the first one set wins
  bool terminal_taken = false;
  bool backend_done = false;  // the back end made its terminal call
  bool wire_done = false;     // the stream is closed on the wire (or abandoned)

 private:
  std::shared_ptr<Outbox> outbox_;
  std::atomic<bool> cancelled_{false};
};

// The streams of one session, and the sender thread's wake-up.
class Outbox {
 public:
  Outbox(size_t max_buffered, EnclaveMetrics& metrics)
      : max_buffered_(max_buffered), metrics_(metrics) {}

  std::mutex mutex;
  std::condition_variable changed;
  std::map<StreamId, std::shared_ptr<StreamState>> streams;
  bool closed = false;
  bool sender_running = false;  // a sender thread has work or is about to

  size_t max_buffered() const { return max_buffered_; }
  EnclaveMetrics& metrics() { return metrics_; }

  // Drops streams that are finished on both sides. Caller holds `mutex`.
  void reap() {
    std::erase_if(streams, [](const auto& entry) {
      return entry.second->wire_done && entry.second->backend_done;
    });
  }

 private:
  size_t max_buffered_;
  EnclaveMetrics& metrics_;
};

void StreamState::on_text(std::string_view text) {
  if (text.empty()) return;
  std::lock_guard lock(outbox_->mutex);
  if (wire_done || !std::holds_alternative<std::monostate>(outcome)) return;
  if (!saw_text) {
    saw_text = true;
    outbox_->metrics().first_token(seconds_since(info.started));
  }
  if (buffered_bytes + text.size() > outbox_->max_buffered()) {
    // The client does not keep up: stop the engine rather than buffer without end.
    outcome = ChatFailure{ChatErrorCode::kSlowReader,
                          "the answer outgrew its buffer because the client read too slowly"};
    cancel();
    outbox_->changed.notify_all();
  } else {
    // Only the first text since the sender last took this stream's text wakes
    // it: the sender takes all of it, so later pieces need no wake-up each.
    const bool first_pending = pending.empty();
    pending.append(text);
    buffered_bytes += text.size();
    if (first_pending) outbox_->changed.notify_all();
  }
}

void StreamState::on_finished(engine::FinishReason reason, const Usage& usage) {
  std::lock_guard lock(outbox_->mutex);
  backend_done = true;
  if (std::holds_alternative<std::monostate>(outcome)) outcome = Finished{reason, usage};
  outbox_->reap();
  outbox_->changed.notify_all();
}

void StreamState::on_failed(ChatFailure failure) {
  std::lock_guard lock(outbox_->mutex);
  backend_done = true;
  if (std::holds_alternative<std::monostate>(outcome)) outcome = std::move(failure);
  outbox_->reap();
  outbox_->changed.notify_all();
}

// What the sender takes from one stream in one round.
struct Work {
  std::shared_ptr<StreamState> state;
  bool send_start = false;
  std::string text;
  std::variant<std::monostate, Finished, ChatFailure> terminal;
};

// Writes every stream's output, taking turns between streams.
class Sender {
 public:
  Sender(session::Session& session, const ServingContext& context, std::shared_ptr<Outbox> outbox)
      : session_(session), context_(context), outbox_(std::move(outbox)) {}

  // Returns once the session is closed or has no stream left, so that an idle
  // session holds no sender thread.
  void run() {
    std::unique_lock lock(outbox_->mutex);
    while (true) {
      outbox_->changed.wait(lock, [&] { return stopped() || any_work(); });
      // Text waits until the text frame interval has passed since the last text
      // frame, so that a fast engine's tokens share frames; starts, a
      // stream's first text and ends go at once.
      outbox_->changed.wait_until(lock, next_text_frame_,
                                  [&] { return stopped() || any_urgent_work(); });
      if (stopped()) {
        outbox_->sender_running = false;
        return;
      }
      std::vector<Work> round = take_round();
      lock.unlock();
      for (Work& work : round) perform(work);
      const bool sent_text = std::any_of(round.begin(), round.end(), [](const Work& work) {
        return work.state->info.stream && !work.text.empty();  // unstreamed text is only kept
      });
      if (sent_text) next_text_frame_ = Steady::now() + context_.limits.text_frame_interval;
      round.clear();
      lock.lock();
      outbox_->reap();
      std::erase_if(progress_,
                    [&](const auto& entry) { return !outbox_->streams.contains(entry.first); });
    }
  }

 private:
  // Per stream, state only this thread touches.
  struct Progress {
    crypto::Hasher content_hash{crypto::HashAlgorithm::kSha256};
    std::string collected;  // the whole answer, when not streaming
  };

  bool stopped() const { return outbox_->closed || outbox_->streams.empty(); }

  bool any_work() const {
    return std::any_of(outbox_->streams.begin(), outbox_->streams.end(),
                       [](const auto& entry) { return entry.second->has_work(); });
  }

  bool any_urgent_work() const {
    return std::any_of(outbox_->streams.begin(), outbox_->streams.end(),
                       [](const auto& entry) { return entry.second->has_urgent_work(); });
  }

  std::vector<Work> take_round() {
    std::vector<Work> round;
    for (auto& [id, state] : outbox_->streams) {
      if (!state->has_work()) continue;
      Work work;
      work.state = state;
      work.send_start = !state->start_taken;
      state->start_taken = true;
      work.text = std::move(state->pending);
      state->pending.clear();
      if (!work.text.empty()) state->text_taken = true;
      if (state->info.stream) state->buffered_bytes = 0;
      if (!state->terminal_taken && !std::holds_alternative<std::monostate>(state->outcome)) {
        work.terminal = state->outcome;
        state->terminal_taken = true;
      }
      round.push_back(std::move(work));
    }
    return round;
  }

  // Marks a stream closed on the wire, and cancels its job if it still runs.
  void abandon(StreamState& state) {
    std::lock_guard lock(outbox_->mutex);
    state.wire_done = true;
    state.pending.clear();
    state.cancel();
  }

  // After a failed send: either the session is gone, or only this stream is
  // (the client cancelled it and the sender's frame crossed the cancel).
  void send_failed(StreamState& state) {
    abandon(state);
    if (session_.closed()) {
      std::lock_guard lock(outbox_->mutex);
      outbox_->closed = true;
    }
  }

  void perform(Work& work) {
    StreamState& state = *work.state;
    Progress& progress = progress_[state.info.id];
    if (work.send_start) {
      const std::string start = chat_response_start_json(new_completion_id(), context_.model.id,
                                                         unix_seconds(context_.clock->now()));
      if (!session_.send_response_start(state.info.id, as_bytes(start)).ok())
        return send_failed(state);
    }
    if (!work.text.empty()) {
      if (state.info.stream) {
        progress.content_hash.update(as_bytes(work.text));
        if (!session_.send_stream_delta(state.info.id, as_bytes(chat_delta_json(work.text))).ok()) {
          return send_failed(state);
        }
      } else {
        progress.collected += work.text;
      }
    }
    if (auto* finished = std::get_if<Finished>(&work.terminal)) {
      finish(state, progress, *finished);
    } else if (auto* failure = std::get_if<ChatFailure>(&work.terminal)) {
      fail(state, *failure);
    }
  }

  void finish(StreamState& state, Progress& progress, const Finished& finished) {
    EnclaveMetrics& metrics = *context_.metrics;
    if (finished.reason == engine::FinishReason::kCancelled) {
      // Only a cancelled or closed stream gets here; nothing more goes out.
      metrics.request_cancelled();
      progress_.erase(state.info.id);
      return abandon(state);
    }
    crypto::Sha256Digest response_sha256{};
    if (state.info.stream) {
      const Bytes digest = progress.content_hash.finish();
      std::copy(digest.begin(), digest.end(), response_sha256.begin());
    } else {
      response_sha256 = crypto::sha256(as_bytes(progress.collected));
    }
    session::ReceiptClaims claims;
    claims.request_sha256 = state.info.request_sha256;
    claims.response_sha256 = response_sha256;
    claims.model_sha256 = context_.model.sha256;
    claims.manifest_sha256 = context_.manifest_sha256;
    claims.issued_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              context_.clock->now().time_since_epoch())
                              .count();
    Result<Bytes> receipt = session::sign_receipt(claims, *context_.receipt_key);
    if (!receipt.ok()) {
      return fail(state, {ChatErrorCode::kEngineFailure, "the enclave could not sign a receipt"});
    }
    std::optional<std::string> content;
    if (!state.info.stream) content = std::move(progress.collected);
    const std::string end =
        chat_response_end_json(finished.reason, finished.usage, content, *receipt);
    progress_.erase(state.info.id);
    // Counted before the end goes out, so a client that has its answer also
    // finds it in the metrics (the work was done even if the wire then fails).
    metrics.request_completed(kMethodChatCompletions);
    metrics.tokens(finished.usage.prompt_tokens, finished.usage.completion_tokens);
    metrics.request_duration(seconds_since(state.info.started));
    if (!session_.send_response_end(state.info.id, as_bytes(end)).ok()) return send_failed(state);
    log_event("request_done", {{"stream", uint64_t{state.info.id}},
                               {"prompt_tokens", finished.usage.prompt_tokens},
                               {"completion_tokens", finished.usage.completion_tokens},
                               {"response_bytes", uint64_t{end.size()}},
                               {"seconds", seconds_since(state.info.started)}});
    std::lock_guard lock(outbox_->mutex);
    state.wire_done = true;
  }

  void fail(StreamState& state, const ChatFailure& failure) {
    progress_.erase(state.info.id);
    context_.metrics->request_failed(failure.code);
    log_event("request_failed", {{"stream", uint64_t{state.info.id}},
                                 {"code", StaticText::from_table(chat_error_name(failure.code))}});
    if (!session_
             .send_stream_error(state.info.id, static_cast<uint16_t>(failure.code), failure.reason)
             .ok()) {
      return send_failed(state);
    }
    abandon(state);
  }

  session::Session& session_;
  const ServingContext& context_;
  std::shared_ptr<Outbox> outbox_;
  std::map<StreamId, Progress> progress_;
  Steady::time_point next_text_frame_;  // text waits for this moment, unless it has passed
};

// Runs the sender on a thread of its own while the session has streams in
// progress: an idle session holds only its reading thread.
class SenderThread {
 public:
  SenderThread(Sender& sender, Outbox& outbox) : sender_(sender), outbox_(outbox) {}
  SenderThread(const SenderThread&) = delete;
  SenderThread& operator=(const SenderThread&) = delete;
  ~SenderThread() { join(); }

  // Called after a stream is added.
  void start_unless_running() {
    {
      std::lock_guard lock(outbox_.mutex);
      if (outbox_.sender_running) return;
      outbox_.sender_running = true;
    }
    join();  // the previous run has returned, or is about to
    thread_ = std::thread([this] { sender_.run(); });
  }

  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  Sender& sender_;
  Outbox& outbox_;
  std::thread thread_;
};

// The reading side: one request at a time, answered by the sender.
class Reader {
 public:
  Reader(session::Session& session, uint64_t session_id, const ServingContext& context,
         std::shared_ptr<Outbox> outbox, SenderThread& sender)
      : session_(session),
        session_id_(session_id),
        context_(context),
        outbox_(std::move(outbox)),
        sender_(sender) {}

  uint64_t run() {
    while (true) {
      const TimePoint deadline =
          context_.clock->now() +
          std::chrono::duration_cast<TimePoint::duration>(context_.limits.idle_timeout);
      Result<session::Event> event = session_.receive(deadline);
      if (!event.ok()) {
        if (event.error().code() != ErrorCode::kDeadlineExceeded) break;
        if (in_progress() == 0) {
          session_.close(static_cast<uint16_t>(session::WireError::kTimeout), "idle session");
          break;
        }
        continue;
      }
      if (event->kind == session::EventKind::kRequest) {
        ++requests_;
        handle_request(*event);
      } else if (event->kind == session::EventKind::kCancelled) {
        cancel(event->stream_id);
      }
    }
    return requests_;
  }

 private:
  size_t in_progress() {
    std::lock_guard lock(outbox_->mutex);
    return outbox_->streams.size();
  }

  void cancel(StreamId id) {
    std::lock_guard lock(outbox_->mutex);
    auto it = outbox_->streams.find(id);
    if (it == outbox_->streams.end()) return;
    context_.metrics->request_cancelled();
    log_event("request_cancelled", {{"stream", uint64_t{id}}});
    it->second->wire_done = true;
    it->second->pending.clear();
    it->second->cancel();
    outbox_->reap();
    outbox_->changed.notify_all();  // the sender stops if no stream is left
  }

  void refuse(StreamId id, const ChatFailure& failure) {
    context_.metrics->request_failed(failure.code);
    log_event("request_refused", {{"stream", uint64_t{id}},
                                  {"code", StaticText::from_table(chat_error_name(failure.code))}});
    (void)session_.send_stream_error(id, static_cast<uint16_t>(failure.code), failure.reason);
  }

  void handle_request(session::Event& event) {
    const StreamId id = event.stream_id;
    const crypto::Sha256Digest request_sha256 = crypto::sha256(event.body);
    Result<ApiRequest> request = parse_api_request(event.body, context_.limits.max_request_bytes);
    crypto::secure_wipe(event.body);
    if (!request.ok()) return refuse(id, failure_from_parse_error(request.error()));
    if (request->method == ApiMethod::kModelsList) {
      const std::vector<ModelEntry> models = {context_.model};
      if (session_.send_response_start(id, as_bytes(models_response_start_json())).ok() &&
          session_.send_response_end(id, as_bytes(models_response_end_json(models))).ok()) {
        context_.metrics->request_completed(kMethodModelsList);
      }
      return;
    }
    ChatRequest& chat = request->chat;
    if (!chat.model.empty() && chat.model != context_.model.id) {
      return refuse(id, {ChatErrorCode::kModelNotFound,
                         "params.model names no model this enclave serves (see models.list)"});
    }
    auto state =
        std::make_shared<StreamState>(outbox_, StreamInfo{id, chat.stream, request_sha256});
    {
      std::lock_guard lock(outbox_->mutex);
      if (outbox_->streams.size() >= context_.limits.max_requests_per_session) {
        state.reset();
      } else {
        outbox_->streams.emplace(id, state);
      }
    }
    if (!state) {
      return refuse(id, {ChatErrorCode::kTooManyRequests,
                         "this session already has " +
                             std::to_string(context_.limits.max_requests_per_session) +
                             " requests in progress"});
    }
    std::optional<ChatFailure> refused =
        context_.backend->submit(ChatJob{session_id_, std::move(chat), state});
    if (refused) {
      {
        std::lock_guard lock(outbox_->mutex);
        outbox_->streams.erase(id);
      }
      return refuse(id, *refused);
    }
    outbox_->changed.notify_all();
    sender_.start_unless_running();
  }

  session::Session& session_;
  uint64_t session_id_;
  const ServingContext& context_;
  std::shared_ptr<Outbox> outbox_;
  SenderThread& sender_;
  uint64_t requests_ = 0;
};

}  // namespace

uint64_t serve_session(session::Session& session, uint64_t session_id,
                       const ServingContext& context) {
  auto outbox =
      std::make_shared<Outbox>(context.limits.max_buffered_output_bytes, *context.metrics);
  Sender sender(session, context, outbox);
  SenderThread sending(sender, *outbox);
  const uint64_t requests = Reader(session, session_id, context, outbox, sending).run();
  {
    std::lock_guard lock(outbox->mutex);
    outbox->closed = true;
    // The wire is gone, so every stream is done on it. A stream and the
    // outbox refer to each other until the stream is reaped: here if its back
    // end has finished, else at the back end's terminal call.
    for (auto& [id, state] : outbox->streams) {
      state->wire_done = true;
      state->cancel();
    }
    outbox->reap();
  }
  outbox->changed.notify_all();
  sending.join();
  return requests;
}

}  // namespace cloister::enclave
