// One HTTP/1.1 server connection: read a bounded request, route it, run the
// handler on the handler pool, write the response (whole or streamed), repeat;
// or hand the socket over to a WebSocket. Everything here runs on the
// connection's strand except the handlers.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "net/internal/server_context.h"
#include "net/internal/stream_sink.h"
#include "net/internal/websocket_impl.h"
#include "net/url.h"

namespace cloister::net {
namespace {

namespace http = beast::http;
using Clock = std::chrono::steady_clock;

// Bytes and time spent reading a client's leftovers before closing, so that an
// early error response (413, 431) reaches it instead of being lost to a reset.
constexpr size_t kMaxDrainBytes = 1 << 20;
constexpr auto kDrainTime = std::chrono::seconds(1);

// A handler's status outside 100-999 cannot be sent; it is a bug, so 500.
unsigned sendable_status(int status) {
  return status >= 100 && status <= 999 ? static_cast<unsigned>(status) : 500u;
}

// RFC 9110 field names are tokens; values hold no control characters but
// tab. Anything else a handler sets is dropped rather than sent.
bool is_field_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!tchar) return false;
  }
  return true;
}

bool is_field_value(std::string_view value) {
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7f) return false;
  }
  return true;
}

template <class Message>
void copy_headers(const HttpResponse& response, const Headers& defaults, Message& message) {
  for (const auto& [name, value] : response.headers.fields()) {
    if (is_field_name(name) && is_field_value(value)) {
      message.insert(name, value);
    }
  }
  for (const auto& [name, value] : defaults.fields()) {
    if (!response.headers.contains(name) && is_field_name(name) && is_field_value(value)) {
      message.insert(name, value);
    }
  }
  if (!response.headers.contains("Server")) message.set(http::field::server, "cloister");
}

template <class Stream>
class HttpConnection final : public Closeable,
                             public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  HttpConnection(Stream stream, std::shared_ptr<ServerContext> server,
                 std::shared_ptr<ConnectionLease> lease)
      : stream_(std::move(stream)),
        executor_(stream_.get_executor()),
        server_(std::move(server)),
        lease_(std::move(lease)) {}

  void start() {
    lease_->attach(this->weak_from_this());
    remote_ = remote_address_of(lowest().socket());
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      state_ = State::kHandshake;
      lowest().expires_after(options().read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) {
                                if (error) return self->close();
                                self->read_request();
                              });
    } else {
      read_request();
    }
  }

  void shutdown() override {
    asio::dispatch(executor_, [self = this->shared_from_this()] {
      self->stopping_ = true;
      switch (self->state_) {
        case State::kHandshake:
        case State::kReadingHead:
        case State::kStreaming: self->close(); break;
        default: break;  // the current response goes out with Connection: close
      }
    });
  }

 private:
  enum class State {
    kHandshake,
    kReadingHead,
    kReadingBody,
    kHandling,
    kWriting,
    kStreaming,
    kUpgraded,
    kClosed
  };

  const ServerOptions& options() const { return server_->options; }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void read_request() {
    if (stopping_ || requests_ >= options().max_requests_per_connection) return close_gracefully();
    state_ = State::kReadingHead;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(options().max_header_bytes));
    // Each route sets its own limit once the head has been routed.
    parser_->body_limit(boost::none);
    route_ = nullptr;
    record_ = RequestRecord{Method::kOther, "unmatched", 0, {}};
    // The whole head must arrive within the deadline, however slowly it trickles.
    lowest().expires_after(requests_ == 0 ? options().read_timeout : options().idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code error, size_t) {
                              self->on_head(error);
                            });
  }

  void on_head(const beast::error_code& error) {
    if (error) return on_read_error(error);
    started_ = Clock::now();
    ++requests_;
    auto& message = parser_->get();
    record_.method = parse_method(message.method_string());
    head_request_ = record_.method == Method::kHead;
    keep_alive_ = message.keep_alive();

    auto target = parse_request_target(message.target());
    if (!target.ok()) return reject(json_error(400, "malformed", target.error().message()));
    target_ = std::move(*target);
    bool upgrade = beast::websocket::is_upgrade(message);
    auto match = server_->router.match(record_.method, target_.path, upgrade);
    if (!match.ok()) return reject(json_error(400, "malformed", match.error().message()));
    switch (match->outcome) {
      case Router::Outcome::kNotFound:
        return reject(json_error(404, "not_found", "no such resource"));
      case Router::Outcome::kMethodNotAllowed: {
        HttpResponse response =
            json_error(405, "method_not_allowed", "method not allowed; allowed: " + match->allow);
        response.headers.set("Allow", match->allow);
        return reject(std::move(response));
      }
      case Router::Outcome::kUpgradeRequired: {
        HttpResponse response =
            json_error(426, "upgrade_required", "this resource needs a WebSocket upgrade");
        response.headers.set("Upgrade", "websocket");
        return reject(std::move(response));
      }
      case Router::Outcome::kFound: break;
    }
    route_ = match->route;
    params_ = std::move(match->params);
    record_.route = route_->pattern;

    if (route_->websocket) {
      if (!parser_->is_done()) {
        return reject(json_error(400, "malformed", "a WebSocket upgrade carries no body"));
      }
      return handle_upgrade();
    }
    size_t limit = route_->options.max_body_bytes.value_or(options().max_body_bytes);
    if (auto length = parser_->content_length(); length && *length > limit) {
      return reject(too_large(limit));
    }
    parser_->body_limit(limit);
    if (parser_->is_done()) return run_handler();
    if (beast::iequals(message[http::field::expect], "100-continue")) {
      auto interim =
          std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      lowest().expires_after(options().write_timeout);
      return http::async_write(
          stream_, *interim,
          [self = this->shared_from_this(), interim](beast::error_code write_error, size_t) {
            if (write_error) return self->close();
            self->read_body();
          });
    }
    read_body();
  }

  void read_body() {
    state_ = State::kReadingBody;
    lowest().expires_after(options().read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code error, size_t) {
                       if (error) return self->on_read_error(error);
                       self->run_handler();
                     });
  }

  void on_read_error(const beast::error_code& error) {
    if (error == http::error::header_limit) {
      return reject(json_error(431, "resource_exhausted", "request header is too large"));
    }
    if (error == http::error::body_limit) {
      return reject(
          too_large(route_ ? route_->options.max_body_bytes.value_or(options().max_body_bytes)
                           : options().max_body_bytes));
    }
    if (error.category() == http::make_error_code(http::error::bad_method).category() &&
        error != http::error::end_of_stream && error != http::error::partial_message) {
      return reject(json_error(400, "malformed", "malformed HTTP request: " + error.message()));
    }
    // End of stream, a timeout (slow or idle client), or a broken socket.
    close();
  }

  HttpResponse too_large(size_t limit) {
    return json_error(413, "resource_exhausted",
                      "request body is larger than " + std::to_string(limit) + " bytes");
  }

  // Answers without reading the rest of the request, then closes.
  void reject(HttpResponse response) {
    keep_alive_ = false;
    write_response(std::move(response));
  }

  HttpRequest build_request(bool move_body) {
    auto& message = parser_->get();
    HttpRequest request;
    request.method = record_.method;
    request.target = std::string(message.target());
    request.path = target_.path;
    request.query = target_.query;
    for (const auto& field : message) {
      request.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    if (move_body) request.body = std::move(message.body());
    request.remote_address = remote_;
    request.params = std::move(params_);
    return request;
  }

  void run_handler() {
    state_ = State::kHandling;
    asio::post(server_->handlers, [self = this->shared_from_this(), route = route_,
                                   request = build_request(true)]() mutable {
      HttpResponse response;
      try {
        response = route->handler(request);
      } catch (const std::exception&) {
        response = json_error(500, "internal", "the request handler failed");
      }
      if (!response.stream) {
        asio::post(self->executor_, [self, response = std::move(response)]() mutable {
          self->write_response(std::move(response));
        });
        return;
      }
      StreamProducer producer = std::move(response.stream);
      auto sink = std::make_shared<ResponseStream::Sink>(
          self->options().stream_buffer_bytes, self->options().write_timeout,
          [weak = self->weak_from_this(), executor = self->executor_] {
            asio::post(executor, [weak] {
              if (auto connection = weak.lock()) connection->pump_stream();
            });
          });
      asio::post(self->executor_, [self, sink, response = std::move(response)]() mutable {
        self->write_stream_head(std::move(response), sink);
      });
      try {
        producer(std::make_shared<ResponseStream>(sink));
      } catch (const std::exception&) {
        sink->fail();
      }
    });
  }

  void write_response(HttpResponse response) {
    if (state_ == State::kClosed) return;
    state_ = State::kWriting;
    bool keep = keep_alive_ && !stopping_ && requests_ < options().max_requests_per_connection;
    auto message = std::make_shared<http::response<http::string_body>>();
    message->version(11);
    response.status = static_cast<int>(sendable_status(response.status));
    message->result(static_cast<unsigned>(response.status));
    message->reason(reason_phrase(response.status));
    copy_headers(response, options().default_headers, *message);
    message->keep_alive(keep);
    size_t body_size = response.body.size();
    message->body() = std::move(response.body);
    message->prepare_payload();
    if (head_request_) {
      message->body().clear();
      message->content_length(body_size);
    }
    record_.status = response.status;
    lowest().expires_after(options().write_timeout);
    http::async_write(stream_, *message,
                      [self = this->shared_from_this(), message, keep](
                          beast::error_code error, size_t) { self->on_written(error, keep); });
  }

  void on_written(const beast::error_code& error, bool keep) {
    observe();
    if (error) return close();
    if (!keep) return close_gracefully();
    read_request();
  }

  void observe() {
    if (!server_->observer || record_.status == 0) return;
    record_.duration = Clock::now() - started_;
    server_->observer(record_);
  }

  void write_stream_head(HttpResponse response, std::shared_ptr<ResponseStream::Sink> sink) {
    sink_ = std::move(sink);
    if (state_ == State::kClosed || stopping_) {
      sink_->fail();
      return close();
    }
    state_ = State::kStreaming;
    // While waiting for the producer no operation is pending, so nothing else
    // keeps this connection alive; end_stream() or close() drops this.
    self_while_streaming_ = this->shared_from_this();
    stream_keep_alive_ = keep_alive_ && requests_ < options().max_requests_per_connection;
    auto head = std::make_shared<http::response<http::empty_body>>();
    head->version(11);
    response.status = static_cast<int>(sendable_status(response.status));
    head->result(static_cast<unsigned>(response.status));
    head->reason(reason_phrase(response.status));
    copy_headers(response, options().default_headers, *head);
    head->keep_alive(stream_keep_alive_);
    head->chunked(true);
    record_.status = response.status;
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    lowest().expires_after(options().write_timeout);
    http::async_write_header(
        stream_, *serializer,
        [self = this->shared_from_this(), head, serializer](beast::error_code error, size_t) {
          if (error) {
            self->sink_->fail();
            return self->close();
          }
          self->head_written_ = true;
          self->pump_stream();
        });
  }

  void pump_stream() {
    if (state_ != State::kStreaming || !head_written_ || chunk_in_flight_) return;
    auto next = sink_->take();
    if (next.failed) return close();
    if (next.chunk) {
      chunk_in_flight_ = true;
      auto data = std::make_shared<std::string>(std::move(*next.chunk));
      lowest().expires_after(options().write_timeout);
      asio::async_write(stream_, http::make_chunk(asio::buffer(*data)),
                        [self = this->shared_from_this(), data](beast::error_code error, size_t) {
                          self->chunk_in_flight_ = false;
                          self->sink_->consumed(data->size());
                          if (error) return self->close();
                          self->pump_stream();
                        });
      return;
    }
    if (!next.finished) return;
    chunk_in_flight_ = true;
    lowest().expires_after(options().write_timeout);
    asio::async_write(stream_, http::make_chunk_last(),
                      [self = this->shared_from_this()](beast::error_code error, size_t) {
                        self->chunk_in_flight_ = false;
                        self->head_written_ = false;
                        self->sink_.reset();
                        self->self_while_streaming_.reset();
                        self->on_written(error, self->stream_keep_alive_ && !self->stopping_);
                      });
  }

  void handle_upgrade() {
    state_ = State::kHandling;
    asio::post(server_->handlers, [self = this->shared_from_this(), route = route_,
                                   request = build_request(false)]() mutable {
      WebSocketUpgrade decision;
      try {
        decision = route->upgrade(request);
      } catch (const std::exception&) {
        decision =
            WebSocketUpgrade::refuse(json_error(500, "internal", "the upgrade handler failed"));
      }
      asio::post(self->executor_, [self, decision = std::move(decision)]() mutable {
        self->finish_upgrade(std::move(decision));
      });
    });
  }

  void finish_upgrade(WebSocketUpgrade decision) {
    if (state_ == State::kClosed) return;
    if (stopping_) {
      return reject(json_error(503, "unavailable", "the server is shutting down"));
    }
    if (decision.refusal) return write_response(std::move(*decision.refusal));
    if (!decision.on_open) {
      return reject(json_error(500, "internal", "the upgrade handler gave no open handler"));
    }
    WebSocketOptions websocket = options().websocket;
    if (route_->options.max_message_bytes) {
      websocket.max_message_bytes = *route_->options.max_message_bytes;
    }
    record_.status = 101;
    observe();
    state_ = State::kUpgraded;
    AcceptedUpgrade upgrade{
        parser_->release(), websocket, std::move(decision.headers), std::move(lease_),
        [on_open = std::move(decision.on_open)](Result<std::shared_ptr<WebSocket>> socket) {
          if (socket.ok()) on_open(std::move(*socket));
        }};
    accept_websocket(std::move(stream_), std::move(upgrade));
  }

  // Half-closes, then reads what the client still sends for a moment.
  void close_gracefully() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    if (sink_) sink_->fail();
    self_while_streaming_.reset();
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      lowest().expires_after(kDrainTime);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->lowest().close(); });
    } else {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      drain_deadline_ = Clock::now() + kDrainTime;
      drain();
    }
  }

  void drain() {
    auto remaining = drain_deadline_ - Clock::now();
    if (remaining <= Clock::duration::zero() || drained_ > kMaxDrainBytes) return lowest().close();
    lowest().expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(remaining));
    lowest().async_read_some(asio::buffer(drain_buffer_),
                             [self = this->shared_from_this()](beast::error_code error, size_t n) {
                               self->drained_ += n;
                               if (error) return self->lowest().close();
                               self->drain();
                             });
  }

  void close() {
    if (sink_) sink_->fail();
    self_while_streaming_.reset();
    if (state_ == State::kUpgraded) return;
    state_ = State::kClosed;
    lowest().close();
  }

  Stream stream_;
  asio::any_io_executor executor_;
  std::shared_ptr<ServerContext> server_;
  std::shared_ptr<ConnectionLease> lease_;
  std::string remote_;

  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  State state_ = State::kReadingHead;
  bool stopping_ = false;
  bool keep_alive_ = false;
  bool head_request_ = false;
  size_t requests_ = 0;
  const Router::Route* route_ = nullptr;
  std::vector<std::pair<std::string, std::string>> params_;
  RequestTarget target_;
  RequestRecord record_{Method::kOther, "unmatched", 0, {}};
  Clock::time_point started_;

  std::shared_ptr<ResponseStream::Sink> sink_;
  std::shared_ptr<HttpConnection> self_while_streaming_;
  bool head_written_ = false;
  bool chunk_in_flight_ = false;
  bool stream_keep_alive_ = false;

  Clock::time_point drain_deadline_;
  size_t drained_ = 0;
  std::array<char, 4096> drain_buffer_{};
};

}  // namespace

void serve_connection(tcp::socket socket, const std::shared_ptr<ServerContext>& server,
                      std::shared_ptr<ConnectionLease> lease) {
  if (server->tls) {
    auto connection = std::make_shared<HttpConnection<TlsStream>>(
        TlsStream(beast::tcp_stream(std::move(socket)), *server->tls), server, std::move(lease));
    connection->start();
  } else {
    auto connection = std::make_shared<HttpConnection<PlainStream>>(PlainStream(std::move(socket)),
                                                                    server, std::move(lease));
    connection->start();
  }
}

}  // namespace cloister::net
