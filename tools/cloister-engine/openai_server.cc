#include "tools/cloister-engine/openai_server.h"

#include <atomic>
#include <chrono>
#include <mutex>

#include "net/response_stream.h"
#include "tools/cloister-engine/openai_api.h"

namespace cloister::tools::engine_cli {
namespace {

int64_t unix_time() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

net::HttpResponse openai_error(int status, std::string_view message, std::string_view type,
                               std::optional<std::string_view> param = std::nullopt) {
  return net::HttpResponse::json(status, error_json(message, type, param));
}

net::HttpResponse openai_error(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kResourceExhausted:  // e.g. a prompt longer than the context
      return openai_error(400, error.message(), "invalid_request_error");
    default: return openai_error(500, error.message(), "server_error");
  }
}

// What one request asks the engine to do, once parsed.
struct Job {
  std::vector<engine::TokenId> prompt;
  engine::GenerationOptions options;
  bool stream = false;
  bool chat = false;
};

// Builds the bodies of one response, streamed or whole.
class ResponseWriter {
 public:
  ResponseWriter(const Job& job, std::string model, std::string id)
      : job_(job), model_(std::move(model)), id_(std::move(id)), created_(unix_time()) {}

  std::string whole(const engine::Completion& c) const {
    const Usage usage{c.prompt_tokens, c.completion_tokens};
    return job_.chat ? chat_completion_json(id_, model_, created_, c.text, c.finish_reason, usage)
                     : completion_json(id_, model_, created_, c.text, c.finish_reason, usage);
  }
  std::string first_chunk() const {
    return sse_event(chat_chunk_json(id_, model_, created_, std::nullopt, true, std::nullopt, {}));
  }
  std::string piece(std::string_view text) const {
    return sse_event(
        job_.chat ? chat_chunk_json(id_, model_, created_, text, false, std::nullopt, std::nullopt)
                  : completion_chunk_json(id_, model_, created_, text, std::nullopt));
  }
  std::string last_chunk(const engine::Completion& c) const {
    const Usage usage{c.prompt_tokens, c.completion_tokens};
    return sse_event(job_.chat ? chat_chunk_json(id_, model_, created_, std::nullopt, false,
                                                 c.finish_reason, usage)
                               : completion_chunk_json(id_, model_, created_, "", c.finish_reason));
  }

 private:
  const Job& job_;
  std::string model_;
  std::string id_;
  int64_t created_;
};

class OpenAiService : public std::enable_shared_from_this<OpenAiService> {
 public:
  OpenAiService(std::shared_ptr<const engine::Model> model, ServeOptions options)
      : model_(std::move(model)), options_(std::move(options)), created_(unix_time()) {}

  net::HttpResponse models() const {
    return net::HttpResponse::json(200, models_json(options_.model_name, created_));
  }

  net::HttpResponse chat(const std::string& body) {
    Result<ChatRequest> request = parse_chat_request(body, options_.defaults);
    if (!request.ok()) return openai_error(request.error());
    Result<std::string> prompt =
        model_->apply_chat_template(request->messages, true, options_.chat_template);
    if (!prompt.ok()) return openai_error(prompt.error());
    Job job{model_->tokenize(*prompt, true, true), std::move(request->options), request->stream,
            true};
    return run(std::move(job), "chatcmpl-");
  }

  net::HttpResponse complete(const std::string& body) {
    Result<CompletionRequest> request = parse_completion_request(body, options_.defaults);
    if (!request.ok()) return openai_error(request.error());
    Job job{model_->tokenize(request->prompt, true, true), std::move(request->options),
            request->stream, false};
    return run(std::move(job), "cmpl-");
  }

 private:
  net::HttpResponse run(Job job, std::string_view id_prefix) {
    if (job.prompt.size() >= model_->info().context_length) {
      return openai_error(400,
                          "the prompt has " + std::to_string(job.prompt.size()) +
                              " tokens; the context holds " +
                              std::to_string(model_->info().context_length),
                          "invalid_request_error", "messages");
    }
    std::string id = std::string(id_prefix) + std::to_string(++next_id_);
    if (!job.stream) {
      std::lock_guard lock(generation_mutex_);
      Result<engine::Completion> completion =
          engine::generate(*model_, job.prompt, job.options, {}, nullptr, options_.threads);
      if (!completion.ok()) return openai_error(completion.error());
      ResponseWriter writer(job, options_.model_name, id);
      return net::HttpResponse::json(200, writer.whole(*completion));
    }
    auto shared_job = std::make_shared<Job>(std::move(job));
    return net::HttpResponse::event_stream([self = shared_from_this(), shared_job, id](
                                               const std::shared_ptr<net::ResponseStream>& stream) {
      self->stream_generation(*shared_job, id, *stream);
    });
  }

  void stream_generation(const Job& job, const std::string& id, net::ResponseStream& stream) {
    ResponseWriter writer(job, options_.model_name, id);
    std::lock_guard lock(generation_mutex_);
    std::atomic<bool> cancel{false};
    if (job.chat && !stream.write(writer.first_chunk())) return;
    Result<engine::Completion> completion = engine::generate(
        *model_, job.prompt, job.options,
        [&](std::string_view piece) {
          if (!stream.write(writer.piece(piece))) cancel = true;  // the client has gone
        },
        &cancel, options_.threads);
    if (!completion.ok()) {
      stream.write(sse_event(error_json(completion.error().message(), "server_error")));
    } else if (completion->finish_reason != engine::FinishReason::kCancelled) {
      stream.write(writer.last_chunk(*completion));
    }
    stream.write(kSseDone);
    stream.finish();
  }

  std::shared_ptr<const engine::Model> model_;
  ServeOptions options_;
  int64_t created_;
  std::mutex generation_mutex_;  // one generation at a time bounds memory and CPU
  std::atomic<uint64_t> next_id_{0};
};

}  // namespace

Result<net::Router> make_openai_router(std::shared_ptr<const engine::Model> model,
                                       ServeOptions options) {
  if (options.model_name.empty()) {
    options.model_name = model->info().name.empty() ? "cloister" : model->info().name;
  }
  auto service = std::make_shared<OpenAiService>(std::move(model), std::move(options));
  net::Router router;
  net::RouteOptions limits;
  limits.max_body_bytes = kMaxRequestBytes;
  CLOISTER_TRY(router.add(net::Method::kGet, "/v1/models",
                          [service](net::HttpRequest&) { return service->models(); }));
  CLOISTER_TRY(router.add(
      net::Method::kPost, "/v1/chat/completions",
      [service](net::HttpRequest& request) { return service->chat(request.body); }, limits));
  CLOISTER_TRY(router.add(
      net::Method::kPost, "/v1/completions",
      [service](net::HttpRequest& request) { return service->complete(request.body); }, limits));
  return router;
}

}  // namespace cloister::tools::engine_cli
