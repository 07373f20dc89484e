// A blocking HTTP/1.1 client for one origin, with bounded responses, timeouts
// on every step, and streamed bodies (including Server-Sent Events) for
// talking to OpenAI-compatible servers and health-checking peers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "net/http_message.h"
#include "net/sse.h"

namespace cloister::net {

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // A whole buffered request and its response must complete within this.
  std::chrono::milliseconds request_timeout{30'000};
  // Streamed responses: the longest wait for the next piece of the body.
  std::chrono::milliseconds read_idle_timeout{120'000};
  size_t max_header_bytes = 64 * 1024;
  size_t max_response_bytes = 16 << 20;  // buffered responses only
  // https:// only: PEM file of trusted roots (default: the system store).
  std::string ca_file;
  bool verify_peer = true;
  Headers headers;  // sent with every request (e.g. Authorization)
};

// Receives a streamed body piece by piece with the response head; returning
// false stops reading (and drops the connection).
using BodyHandler = std::function<bool(const HttpResponse& head, std::string_view piece)>;
// Receives each event of a 2xx text/event-stream response; false stops.
using EventHandler = std::function<bool(const HttpResponse& head, const SseEvent& event)>;

// Talks to one origin (scheme://host:port), keeping the connection alive
// between requests. Not thread-safe: use one client per thread.
class HttpClient {
 public:
  struct Impl;

  // Prepares a client for `origin` (an http:// or https:// URL; any path is
  // ignored). Connects lazily on the first request.
  static Result<HttpClient> create(std::string_view origin, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // Sends `request` (method, target, headers, body) and returns the whole
  // response. Fails on connection errors, timeouts, or a response over the
  // limits; any HTTP status is a successful result.
  Result<HttpResponse> send(const HttpRequest& request);
  Result<HttpResponse> get(std::string_view target);
  Result<HttpResponse> post(std::string_view target, std::string body,
                            std::string_view content_type = "application/json");

  // Sends `request` and hands the body to `on_body` as it arrives. Returns the
  // head (with an empty body) once the body ended; kCancelled if the handler
  // stopped early.
  Result<HttpResponse> stream(const HttpRequest& request, const BodyHandler& on_body);
  // Like stream(), parsing a 2xx body as Server-Sent Events. A non-2xx
  // response is returned whole (bounded) without calling `on_event`.
  Result<HttpResponse> stream_events(const HttpRequest& request, const EventHandler& on_event,
                                     SseParser::Limits limits = {});

  // Drops the kept-alive connection, if any.
  void disconnect();

 private:
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Fetches `url` with one GET on a fresh connection.
Result<HttpResponse> http_get(std::string_view url, HttpClientOptions options = {});

}  // namespace cloister::net
