// The blocking HTTP client: each call runs a private event loop on the calling
// thread until its operation completes or its deadline passes.
#include "net/http_client.h"

#include <array>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "net/internal/websocket_impl.h"
#include "net/url.h"

namespace cloister::net {
namespace {

namespace http = beast::http;
using Clock = std::chrono::steady_clock;

constexpr size_t kStreamPieceBytes = 16 * 1024;

// Starts one asynchronous operation through `initiate` and runs the loop until
// it completes; the stream's own expiry bounds the wait.
template <class Initiate>
beast::error_code run_to_completion(asio::io_context& io, Initiate&& initiate) {
  std::optional<beast::error_code> result;
  initiate([&result](beast::error_code error, auto&&...) { result = error; });
  io.restart();
  while (!result && io.run_one() > 0) {
  }
  return result.value_or(asio::error::operation_aborted);
}

template <class Fields>
void copy_head(const http::header<false, Fields>& head, HttpResponse& out) {
  out.status = static_cast<int>(head.result_int());
  for (const auto& field : head) {
    out.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
}

// Errors on a reused connection before any response byte mean the server
// closed it while idle; the request can be sent again on a fresh one.
bool is_stale_connection(const beast::error_code& error) {
  return error == http::error::end_of_stream || error == asio::error::connection_reset ||
         error == asio::error::broken_pipe || error == asio::error::eof;
}

}  // namespace

struct HttpClient::Impl {
  Url origin;
  HttpClientOptions options;
  asio::io_context io;
  std::shared_ptr<asio::ssl::context> tls_context;
  std::optional<beast::tcp_stream> plain;
  std::optional<TlsStream> tls;
  beast::flat_buffer buffer;
  bool connected = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  template <class Fn>
  auto with_stream(Fn&& fn) {
    if (tls) return fn(*tls);
    return fn(*plain);
  }

  void disconnect() {
    if (tls || plain) {
      beast::error_code ignored;
      lowest().socket().close(ignored);
    }
    tls.reset();
    plain.reset();
    buffer.clear();
    connected = false;
  }

  Status connect() {
    disconnect();
    std::string where = origin.host + ":" + std::to_string(origin.port);
    tcp::resolver resolver(io);
    beast::error_code error;
    auto endpoints = resolver.resolve(origin.host, std::to_string(origin.port), error);
    if (error) return network_error("resolving " + origin.host, error);
    if (origin.secure()) {
      tls.emplace(io, *tls_context);
      if (!SSL_set_tlsext_host_name(tls->native_handle(), origin.host.c_str())) {
        return Error(ErrorCode::kInternal, "cannot set TLS server name");
      }
      if (options.verify_peer)
        tls->set_verify_callback(asio::ssl::host_name_verification(origin.host));
    } else {
      plain.emplace(io);
    }
    lowest().expires_after(options.connect_timeout);
    error =
        run_to_completion(io, [&](auto handler) { lowest().async_connect(endpoints, handler); });
    if (error) return network_error("connecting to " + where, error);
    if (tls) {
      lowest().expires_after(options.connect_timeout);
      error = run_to_completion(
          io, [&](auto handler) { tls->async_handshake(asio::ssl::stream_base::client, handler); });
      if (error) return network_error("TLS handshake with " + where, error);
    }
    connected = true;
    return ok_status();
  }

  Result<http::request<http::string_body>> build(const HttpRequest& request) const {
    http::request<http::string_body> message;
    http::verb verb = http::string_to_verb(method_name(request.method));
    if (verb == http::verb::unknown) {
      return Error(ErrorCode::kInvalidArgument, "unsupported HTTP method");
    }
    message.method(verb);
    message.target(request.target.empty() ? "/" : request.target);
    message.version(11);
    message.set(http::field::host, origin.host_header());
    message.set(http::field::user_agent, "cloister");
    for (const auto& [name, value] : options.headers.fields()) message.set(name, value);
    for (const auto& [name, value] : request.headers.fields()) message.set(name, value);
    message.body() = request.body;
    message.keep_alive(true);
    message.prepare_payload();
    return message;
  }

  // Writes `message` and reads a response head and body with `parser`,
  // reconnecting once if a kept-alive connection turned out to be stale.
  template <class Parser>
  Status exchange(http::request<http::string_body>& message, Parser& parser, bool read_whole_body) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = connected;
      if (!connected) CLOISTER_TRY(connect());
      auto deadline = Clock::now() + options.request_timeout;
      lowest().expires_at(deadline);
      beast::error_code error = with_stream([&](auto& stream) {
        return run_to_completion(
            io, [&](auto handler) { http::async_write(stream, message, handler); });
      });
      if (!error) {
        lowest().expires_at(deadline);
        error = with_stream([&](auto& stream) {
          return run_to_completion(io, [&](auto handler) {
            if (read_whole_body) {
              http::async_read(stream, buffer, parser, handler);
            } else {
              http::async_read_header(stream, buffer, parser, handler);
            }
          });
        });
      }
      if (!error) return ok_status();
      disconnect();
      if (reused && attempt == 0 && is_stale_connection(error) && !parser.got_some()) continue;
      if (error == http::error::body_limit) {
        return Error(ErrorCode::kResourceExhausted, "response body is larger than " +
                                                        std::to_string(options.max_response_bytes) +
                                                        " bytes");
      }
      if (error == http::error::header_limit) {
        return Error(ErrorCode::kResourceExhausted, "response header is too large");
      }
      return network_error("HTTP exchange with " + origin.host, error);
    }
    return Error(ErrorCode::kUnavailable, "HTTP exchange with " + origin.host + " failed");
  }
};

Result<HttpClient> HttpClient::create(std::string_view origin, HttpClientOptions options) {
  CLOISTER_ASSIGN_OR_RETURN(Url url, parse_url(origin));
  if (url.scheme != "http" && url.scheme != "https") {
    return Error(ErrorCode::kInvalidArgument,
                 "HTTP client origin must be http:// or https://, not " + url.scheme + "://");
  }
  auto impl = std::make_unique<Impl>();
  if (url.secure()) {
    CLOISTER_ASSIGN_OR_RETURN(impl->tls_context,
                              client_tls_context(options.ca_file, options.verify_peer));
  }
  impl->origin = std::move(url);
  impl->options = std::move(options);
  return HttpClient(std::move(impl));
}

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

void HttpClient::disconnect() { impl_->disconnect(); }

Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
  CLOISTER_ASSIGN_OR_RETURN(auto message, impl_->build(request));
  http::response_parser<http::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(impl_->options.max_header_bytes));
  parser.body_limit(impl_->options.max_response_bytes);
  if (request.method == Method::kHead) parser.skip(true);
  CLOISTER_TRY(impl_->exchange(message, parser, true));
  HttpResponse response;
  copy_head(parser.get().base(), response);
  response.body = std::move(parser.get().body());
  if (!parser.get().keep_alive()) impl_->disconnect();
  return response;
}

Result<HttpResponse> HttpClient::get(std::string_view target) {
  HttpRequest request;
  request.target = std::string(target);
  return send(request);
}

Result<HttpResponse> HttpClient::post(std::string_view target, std::string body,
                                      std::string_view content_type) {
  HttpRequest request;
  request.method = Method::kPost;
  request.target = std::string(target);
  request.body = std::move(body);
  request.headers.set("Content-Type", std::string(content_type));
  return send(request);
}

Result<HttpResponse> HttpClient::stream(const HttpRequest& request, const BodyHandler& on_body) {
  CLOISTER_ASSIGN_OR_RETURN(auto message, impl_->build(request));
  http::response_parser<http::buffer_body> parser;
  parser.header_limit(static_cast<uint32_t>(impl_->options.max_header_bytes));
  parser.body_limit(boost::none);  // the handler decides how much it will take
  CLOISTER_TRY(impl_->exchange(message, parser, false));
  HttpResponse head;
  copy_head(parser.get().base(), head);

  std::array<char, kStreamPieceBytes> piece{};
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    impl_->lowest().expires_after(impl_->options.read_idle_timeout);
    beast::error_code error = impl_->with_stream([&](auto& stream) {
      return run_to_completion(impl_->io, [&](auto handler) {
        http::async_read_some(stream, impl_->buffer, parser, handler);
      });
    });
    if (error == http::error::need_buffer) error = {};
    if (error) {
      impl_->disconnect();
      return network_error("reading streamed response from " + impl_->origin.host, error);
    }
    size_t received = piece.size() - parser.get().body().size;
    if (received > 0 && !on_body(head, std::string_view(piece.data(), received))) {
      impl_->disconnect();
      return Error(ErrorCode::kCancelled, "streamed response stopped by its reader");
    }
  }
  if (!parser.get().keep_alive()) impl_->disconnect();
  return head;
}

Result<HttpResponse> HttpClient::stream_events(const HttpRequest& request,
                                               const EventHandler& on_event,
                                               SseParser::Limits limits) {
  SseParser parser(limits);
  std::string error_body;
  std::optional<Error> failure;
  auto result = stream(request, [&](const HttpResponse& head, std::string_view piece) {
    if (head.status < 200 || head.status >= 300) {
      if (error_body.size() + piece.size() > impl_->options.max_response_bytes) {
        failure = Error(ErrorCode::kResourceExhausted, "error response body is too large");
        return false;
      }
      error_body.append(piece);
      return true;
    }
    auto status = parser.feed(piece, [&](const SseEvent& event) { return on_event(head, event); });
    if (!status.ok()) {
      if (status.error().code() != ErrorCode::kCancelled) failure = status.error();
      return false;
    }
    return true;
  });
  if (failure) return *failure;
  if (!result.ok()) return result;
  parser.finish();
  result->body = std::move(error_body);
  return result;
}

Result<HttpResponse> http_get(std::string_view url, HttpClientOptions options) {
  CLOISTER_ASSIGN_OR_RETURN(Url parsed, parse_url(url));
  bool ipv6 = parsed.host.find(':') != std::string::npos;
  std::string origin = parsed.scheme + "://" + (ipv6 ? "[" + parsed.host + "]" : parsed.host) +
                       ":" + std::to_string(parsed.port);
  CLOISTER_ASSIGN_OR_RETURN(HttpClient client, HttpClient::create(origin, std::move(options)));
  return client.get(parsed.target);
}

}  // namespace cloister::net
