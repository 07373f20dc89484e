#include "client/proxy/proxy_server.h"

#include "client/proxy/openai_translation.h"
#include "net/response_stream.h"

namespace cloister::client::proxy {
namespace {

net::HttpResponse error_response(const OpenAiError& error) {
  net::HttpResponse response = net::HttpResponse::json(error.status, error.body);
  response.headers.set("x-should-retry", error.retryable ? "true" : "false");
  return response;
}

// The error for a failure to open or read a stream: a verification failure
// says why and is never retried; anything else means the enclave is away.
OpenAiError upstream_failure(const Error& error) {
  if (error.code() == ErrorCode::kRejected) return verification_failed(error.message());
  if (error.code() == ErrorCode::kMalformed) return verification_failed(error.message());
  return enclave_unavailable(error.message());
}

// Adds what was verified, so that every client can see it (and see SIMULATED).
void add_attestation_headers(net::Headers& headers, const AttestedEnclave& enclave) {
  headers.set("X-Cloister-Platform", enclave.platform);
  headers.set("X-Cloister-Simulated", enclave.simulated ? "true" : "false");
  headers.set("X-Cloister-Release", enclave.release_version);
  headers.set("X-Cloister-Manifest-Sha256", enclave.manifest_sha256_hex);
  headers.set("X-Cloister-Measurement", enclave.measurement_hex);
}

class ProxyService : public std::enable_shared_from_this<ProxyService> {
 public:
  ProxyService(std::shared_ptr<ChatUpstream> upstream, ProxyOptions options)
      : upstream_(std::move(upstream)), options_(options) {}

  net::HttpResponse models() {
    auto stream = upstream_->open(models_request());
    if (!stream.ok()) return error_response(upstream_failure(stream.error()));
    while (true) {
      auto event = (*stream)->next(system_clock().now() + options_.first_event_timeout);
      if (!event.ok()) return error_response(upstream_failure(event.error()));
      if (event->kind == UpstreamEventKind::kError) {
        return error_response(map_enclave_error(event->error_code, event->reason));
      }
      if (event->kind != UpstreamEventKind::kEnd) continue;
      auto list = models_list(event->body);
      if (!list.ok()) return error_response(upstream_failure(list.error()));
      net::HttpResponse response = net::HttpResponse::json(200, *list);
      add_attestation_headers(response.headers, (*stream)->enclave());
      return response;
    }
  }

  net::HttpResponse chat(const std::string& body) {
    auto request = wrap_chat_request(body);
    if (!request.ok()) return error_response(invalid_request(request.error().message()));
    auto opened = upstream_->open(request->body);
    if (!opened.ok()) return error_response(upstream_failure(opened.error()));
    std::shared_ptr<ChatStream> stream = std::move(opened).value();

    // The first event decides the status: a refusal is an HTTP error even for streams.
    auto first = stream->next(system_clock().now() + options_.first_event_timeout);
    if (!first.ok()) return error_response(upstream_failure(first.error()));
    if (first->kind == UpstreamEventKind::kError) {
      return error_response(map_enclave_error(first->error_code, first->reason));
    }
    auto start = parse_start(first->body);
    if (first->kind != UpstreamEventKind::kStart || !start.ok()) {
      return error_response(verification_failed("the enclave's response did not start properly"));
    }
    if (request->stream) return stream_response(stream, *start, request->include_usage);
    return whole_response(*stream, *start);
  }

 private:
  net::HttpResponse whole_response(ChatStream& stream, const CompletionStart& start) {
    while (true) {
      auto event = stream.next(system_clock().now() + options_.event_timeout);
      if (!event.ok()) return error_response(upstream_failure(event.error()));
      if (event->kind == UpstreamEventKind::kError) {
        return error_response(map_enclave_error(event->error_code, event->reason));
      }
      if (event->kind != UpstreamEventKind::kEnd) continue;
      auto end = parse_end(event->body);
      if (!end.ok()) return error_response(upstream_failure(end.error()));
      net::HttpResponse response = net::HttpResponse::json(200, completion_object(start, *end));
      add_attestation_headers(response.headers, stream.enclave());
      response.headers.set("X-Cloister-Receipt", end->receipt_base64);
      return response;
    }
  }

  net::HttpResponse stream_response(const std::shared_ptr<ChatStream>& stream,
                                    CompletionStart start, bool include_usage) {
    net::HttpResponse response = net::HttpResponse::event_stream(
        [self = shared_from_this(), stream, start = std::move(start),
         include_usage](const std::shared_ptr<net::ResponseStream>& out) {
          self->relay_stream(*stream, start, include_usage, *out);
        });
    add_attestation_headers(response.headers, stream->enclave());
    return response;
  }

  // Relays deltas as chunks until the end; cancels in the enclave when the
  // client goes away.
  void relay_stream(ChatStream& stream, const CompletionStart& start, bool include_usage,
                    net::ResponseStream& out) {
    if (!out.write(sse_data(role_chunk(start)))) return cancel_and_drain(stream);
    TimePoint last_event = system_clock().now();
    while (true) {
      if (!out.is_open()) return cancel_and_drain(stream);
      auto event = stream.next(system_clock().now() + options_.disconnect_poll);
      if (!event.ok() && event.error().code() == ErrorCode::kDeadlineExceeded) {
        if (system_clock().now() - last_event < options_.event_timeout) continue;
      }
      last_event = system_clock().now();
      if (!event.ok()) {
        out.write(sse_data(upstream_failure(event.error()).body));
        break;
      }
      if (event->kind == UpstreamEventKind::kDelta) {
        auto content = parse_delta(event->body);
        if (!content.ok()) {
          out.write(sse_data(upstream_failure(content.error()).body));
          break;
        }
        if (!out.write(sse_data(content_chunk(start, *content)))) return cancel_and_drain(stream);
        continue;
      }
      if (event->kind == UpstreamEventKind::kError) {
        out.write(sse_data(map_enclave_error(event->error_code, event->reason).body));
        break;
      }
      if (event->kind == UpstreamEventKind::kEnd) {
        auto end = parse_end(event->body);
        if (!end.ok()) {
          out.write(sse_data(upstream_failure(end.error()).body));
          break;
        }
        out.write(sse_data(finish_chunk(start, *end, include_usage)));
        if (include_usage) out.write(sse_data(usage_chunk(start, *end)));
        break;
      }
    }
    out.write(kSseDone);
    out.finish();
  }

  // The client has gone: stop the generation and wait (briefly) for the
  // enclave to confirm, so the stream ends cleanly in the enclave too.
  void cancel_and_drain(ChatStream& stream) {
    stream.cancel();
    const TimePoint deadline = system_clock().now() + std::chrono::seconds(10);
    while (true) {
      auto event = stream.next(deadline);
      if (!event.ok()) return;
      if (event->kind == UpstreamEventKind::kEnd || event->kind == UpstreamEventKind::kError)
        return;
    }
  }

  std::shared_ptr<ChatUpstream> upstream_;
  ProxyOptions options_;
};

}  // namespace

Result<net::Router> make_proxy_router(std::shared_ptr<ChatUpstream> upstream,
                                      ProxyOptions options) {
  auto service = std::make_shared<ProxyService>(std::move(upstream), options);
  net::Router router;
  net::RouteOptions limits;
  limits.max_body_bytes = kMaxRequestBytes;
  CLOISTER_TRY(router.add(net::Method::kGet, "/v1/models",
                          [service](net::HttpRequest&) { return service->models(); }));
  CLOISTER_TRY(router.add(
      net::Method::kPost, "/v1/chat/completions",
      [service](net::HttpRequest& request) { return service->chat(request.body); }, limits));
  return router;
}

}  // namespace cloister::client::proxy
