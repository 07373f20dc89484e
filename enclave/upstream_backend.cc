#include "enclave/upstream_backend.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "enclave/upstream_chunk.h"
#include "net/http_client.h"
#include "net/url.h"

namespace cloister::enclave {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kHealthCacheTime = 5s;

ChatFailure shutting_down() {
  return {ChatErrorCode::kEngineFailure, "the enclave is shutting down"};
}

ChatFailure unavailable() {
  return {ChatErrorCode::kEngineFailure, "the upstream engine is unavailable"};
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr address{};
  if (inet_pton(AF_INET, host.c_str(), &address) != 1) return false;
  return (ntohl(address.s_addr) >> 24) == 127;
}

std::string request_body(const ChatRequest& request, const UpstreamOptions& options) {
  json messages = json::array();
  for (const engine::ChatMessage& message : request.messages) {
    messages.push_back({{"role", message.role}, {"content", message.content}});
  }
  const SamplingRequest& sampling = request.sampling;
  json body = {{"model", options.model_name},
               {"messages", std::move(messages)},
               {"stream", true},
               {"stream_options", {{"include_usage", true}}},
               {"temperature", sampling.temperature},
               {"top_p", sampling.top_p},
               {"max_tokens",
                std::min(sampling.max_tokens.value_or(options.max_tokens), options.max_tokens)}};
  if (!sampling.stop.empty()) body["stop"] = sampling.stop;
  if (sampling.seed) body["seed"] = *sampling.seed;
  return body.dump();
}

engine::FinishReason finish_reason_from(std::string_view name) {
  return name == "length" ? engine::FinishReason::kLength : engine::FinishReason::kStop;
}

}  // namespace

Result<std::string> loopback_origin(std::string_view url) {
  CLOISTER_ASSIGN_OR_RETURN(net::Url parsed, net::parse_url(url));
  if (parsed.scheme != "http") {
    return Error(ErrorCode::kInvalidArgument, "the upstream engine URL must be http://");
  }
  if (!is_loopback_host(parsed.host)) {
    return Error(ErrorCode::kInvalidArgument,
                 "the upstream engine must listen on loopback (127.0.0.0/8, ::1 or localhost) "
                 "inside the enclave's VM");
  }
  const std::string host = parsed.host == "::1" ? "[::1]" : parsed.host;
  return "http://" + host + ":" + std::to_string(parsed.port);
}

UpstreamBackend::UpstreamBackend(UpstreamOptions options)
    : options_(std::move(options)), queue_(options_.max_queued) {}

Result<std::unique_ptr<UpstreamBackend>> UpstreamBackend::start(UpstreamOptions options) {
  CLOISTER_ASSIGN_OR_RETURN(options.origin, loopback_origin(options.origin));
  options.workers = std::max<size_t>(1, options.workers);
  std::unique_ptr<UpstreamBackend> backend(new UpstreamBackend(std::move(options)));
  for (size_t i = 0; i < backend->options_.workers; ++i) {
    backend->workers_.emplace_back([raw = backend.get()] { raw->work(); });
  }
  return backend;
}

UpstreamBackend::~UpstreamBackend() { stop(); }

void UpstreamBackend::stop() {
  std::vector<ChatJob> abandoned;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    while (auto job = queue_.pop()) abandoned.push_back(std::move(*job));
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  for (ChatJob& job : abandoned) job.observer->on_failed(shutting_down());
}

std::optional<ChatFailure> UpstreamBackend::submit(ChatJob job) {
  std::vector<ChatJob> cancelled;
  bool queued = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return shutting_down();
    if (queue_.size() >= queue_.capacity()) {
      cancelled = queue_.remove_if([](const ChatJob& j) { return j.observer->cancelled(); });
    }
    const auto session_id = job.session_id;
    queued = queue_.push(session_id, std::move(job));
  }
  for (ChatJob& dropped : cancelled) {
    dropped.observer->on_finished(engine::FinishReason::kCancelled, {});
  }
  if (!queued) {
    return ChatFailure{ChatErrorCode::kOverloaded, "the enclave's queue is full; try again later"};
  }
  wake_.notify_one();
  return std::nullopt;
}

BackendLoad UpstreamBackend::load() const {
  std::lock_guard lock(mutex_);
  return {queue_.size(), running_.load()};
}

bool UpstreamBackend::healthy() {
  std::lock_guard lock(health_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now - health_checked_ < kHealthCacheTime) return health_ok_;
  net::HttpClientOptions client_options;
  client_options.connect_timeout = 2s;
  client_options.request_timeout = 2s;
  client_options.max_response_bytes = 1 << 20;
  Result<net::HttpResponse> response =
      net::http_get(options_.origin + "/v1/models", client_options);
  health_ok_ = response.ok() && response->status == 200;
  health_checked_ = now;
  return health_ok_;
}

void UpstreamBackend::work() {
  while (true) {
    ChatJob job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(*queue_.pop());
      ++running_;
    }
    run_job(job);
    --running_;
  }
}

void UpstreamBackend::run_job(ChatJob& job) {
  CompletionObserver& observer = *job.observer;
  if (observer.cancelled()) {
    observer.on_finished(engine::FinishReason::kCancelled, {});
    return;
  }
  net::HttpClientOptions client_options;
  client_options.connect_timeout = options_.connect_timeout;
  client_options.read_idle_timeout = options_.read_idle_timeout;
  client_options.max_response_bytes = 1 << 20;
  Result<net::HttpClient> client = net::HttpClient::create(options_.origin, client_options);
  if (!client.ok()) {
    observer.on_failed(unavailable());
    return;
  }
  net::HttpRequest request;
  request.method = net::Method::kPost;
  request.target = "/v1/chat/completions";
  request.headers.set("Content-Type", "application/json");
  request.headers.set("Accept", "text/event-stream");
  request.body = request_body(job.request, options_);

  std::optional<engine::FinishReason> finish;
  Usage usage;
  uint32_t content_chunks = 0;
  bool malformed = false;
  bool stopping = false;
  Result<net::HttpResponse> head =
      client->stream_events(request, [&](const net::HttpResponse&, const net::SseEvent& event) {
        {
          std::lock_guard lock(mutex_);
          stopping = stopping_;
        }
        if (stopping || observer.cancelled()) return false;
        if (event.data == "[DONE]") return false;
        Result<UpstreamChunk> chunk = parse_upstream_chunk(event.data);
        if (!chunk.ok() || chunk->error) {
          malformed = true;
          return false;
        }
        if (!chunk->content.empty()) {
          ++content_chunks;
          observer.on_text(chunk->content);
        }
        if (chunk->finish_reason) finish = finish_reason_from(*chunk->finish_reason);
        if (chunk->usage) usage = *chunk->usage;
        return true;
      });
  request.body.clear();  // the conversation is no longer needed

  if (stopping) return observer.on_failed(shutting_down());
  if (observer.cancelled()) return observer.on_finished(engine::FinishReason::kCancelled, usage);
  if (malformed) {
    return observer.on_failed({ChatErrorCode::kEngineFailure, "the upstream engine failed"});
  }
  if (!head.ok() && head.error().code() != ErrorCode::kCancelled)
    return observer.on_failed(unavailable());
  if (head.ok() && (head->status < 200 || head->status > 299)) {
    // The upstream's error text may quote the request; only its status is passed on.
    const ChatErrorCode code =
        head->status == 400 ? ChatErrorCode::kInvalidRequest : ChatErrorCode::kEngineFailure;
    return observer.on_failed({code, "the upstream engine refused the request (HTTP " +
                                         std::to_string(head->status) + ")"});
  }
  if (!finish) {
    return observer.on_failed(
        {ChatErrorCode::kEngineFailure, "the upstream engine stopped mid-answer"});
  }
  if (usage.completion_tokens == 0) usage.completion_tokens = content_chunks;
  observer.on_finished(*finish, usage);
}

}  // namespace cloister::enclave
