// The WebSocket connection: one Beast stream per connection, driven on its
// strand. This is the only file that instantiates Beast's WebSocket templates.
#include "net/websocket.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "net/internal/websocket_impl.h"
#include "net/url.h"

namespace cloister::net {
namespace {

namespace websocket = beast::websocket;
namespace http = beast::http;

constexpr size_t kMaxCloseReasonBytes = 123;   // RFC 6455: 125 minus the code
constexpr size_t kKeptReadBufferBytes = 4096;  // read capacity kept between messages

ErrorCode code_for_refusal(unsigned status) {
  if (status == 401 || status == 403) return ErrorCode::kPermissionDenied;
  if (status == 429) return ErrorCode::kResourceExhausted;
  if (status >= 500) return ErrorCode::kUnavailable;
  return ErrorCode::kRejected;
}

template <class NextLayer>
class Session final : public WebSocket::Impl,
                      public Closeable,
                      public std::enable_shared_from_this<Session<NextLayer>> {
 public:
  template <class... Args>
  explicit Session(WebSocketOptions options, Args&&... args)
      : ws_(std::forward<Args>(args)...),
        options_(options),
        write_timer_(ws_.get_executor()),
        shutdown_timer_(ws_.get_executor()) {}

  void start_accept(AcceptedUpgrade upgrade, std::string remote) {
    remote_ = std::move(remote);
    lease_ = std::move(upgrade.lease);
    if (lease_) lease_->attach(this->weak_from_this());
    request_ = std::move(upgrade.request);
    configure(beast::role_type::server);
    ws_.set_option(websocket::stream_base::decorator(
        [headers = std::move(upgrade.response_headers)](websocket::response_type& response) {
          response.set(http::field::server, "cloister");
          for (const auto& [name, value] : headers.fields()) response.set(name, value);
        }));
    ws_.async_accept(request_, [self = this->shared_from_this(),
                                done = std::move(upgrade.done)](beast::error_code error) {
      if (error) {
        self->finish(network_error("websocket handshake", error));
        done(network_error("websocket handshake", error));
        return;
      }
      self->request_ = {};  // only the upgrade needed it
      done(std::make_shared<WebSocket>(self));
    });
  }

  void start_connect(Url url, WebSocketClientOptions options, ConnectHandler done) {
    url_ = std::move(url);
    client_options_ = std::move(options);
    connect_done_ = std::move(done);
    resolver_ = std::make_unique<tcp::resolver>(ws_.get_executor());
    resolver_->async_resolve(
        url_.host, std::to_string(url_.port),
        [self = this->shared_from_this()](beast::error_code error,
                                          tcp::resolver::results_type results) {
          if (error)
            return self->fail_connect(network_error("resolving " + self->url_.host, error));
          auto& lowest = beast::get_lowest_layer(self->ws_);
          lowest.expires_after(self->client_options_.connect_timeout);
          lowest.async_connect(
              results, [self](beast::error_code connect_error, const tcp::endpoint& endpoint) {
                if (connect_error) {
                  return self->fail_connect(network_error(
                      "connecting to " + self->url_.host + ":" + std::to_string(self->url_.port),
                      connect_error));
                }
                send_immediately(beast::get_lowest_layer(self->ws_).socket());
                self->remote_ = endpoint.address().to_string();
                self->after_connect();
              });
        });
  }

  void keep_tls_context(std::shared_ptr<asio::ssl::context> context) {
    tls_context_ = std::move(context);
  }

  // WebSocket::Impl

  void async_read(WebSocket::ReadHandler done) override {
    asio::dispatch(ws_.get_executor(),
                   [self = this->shared_from_this(), done = std::move(done)]() mutable {
                     self->start_read(std::move(done));
                   });
  }

  void async_write(WebSocketMessage message, WebSocket::WriteHandler done) override {
    size_t size = message.data.size();
    if (!open_.load()) {
      // Why it closed is strand-only state: read it there.
      asio::post(ws_.get_executor(), [self = this->shared_from_this(), done = std::move(done)] {
        if (done) done(self->closed_error());
      });
      return;
    }
    size_t queued = queued_bytes_.load();
    do {
      // A single message is always accepted into an empty queue.
      if (queued != 0 && queued + size > options_.max_queued_bytes) {
        return post_status(std::move(done), Error(ErrorCode::kResourceExhausted,
                                                  "websocket send queue is full (" +
                                                      std::to_string(queued) + " bytes waiting)"));
      }
    } while (!queued_bytes_.compare_exchange_weak(queued, queued + size));
    asio::dispatch(ws_.get_executor(),
                   [self = this->shared_from_this(), size, message = std::move(message),
                    done = std::move(done)]() mutable {
                     if (self->finished_ || self->close_requested_) {
                       self->queued_bytes_ -= size;
                       if (done) done(self->closed_error());
                       return;
                     }
                     self->queue_.push_back({std::move(message), std::move(done), size});
                     self->pump();
                   });
  }

  Result<WebSocketMessage> read(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(inbox_mutex_);
    if (!inbox_ && !blocking_read_pending_) {
      blocking_read_pending_ = true;
      lock.unlock();
      async_read([self = this->shared_from_this()](Result<WebSocketMessage> result) {
        std::lock_guard inner(self->inbox_mutex_);
        self->inbox_.emplace(std::move(result));
        self->blocking_read_pending_ = false;
        self->inbox_cv_.notify_all();
      });
      lock.lock();
    }
    if (!inbox_cv_.wait_for(lock, timeout, [&] { return inbox_.has_value(); })) {
      return Error(ErrorCode::kDeadlineExceeded, "no websocket message within the timeout");
    }
    Result<WebSocketMessage> result = std::move(*inbox_);
    inbox_.reset();
    return result;
  }

  void close(CloseStatus status) override {
    asio::dispatch(ws_.get_executor(),
                   [self = this->shared_from_this(), status = std::move(status)]() mutable {
                     if (self->finished_ || self->close_requested_) return;
                     self->close_requested_ = true;
                     self->open_ = false;
                     if (status.reason.size() > kMaxCloseReasonBytes)
                       status.reason.resize(kMaxCloseReasonBytes);
                     self->close_status_ = std::move(status);
                     self->pump();
                   });
  }

  bool is_open() const override { return open_.load(); }

  std::optional<CloseStatus> peer_close_status() const override {
    std::lock_guard lock(peer_close_mutex_);
    return peer_close_;
  }

  size_t queued_bytes() const override { return queued_bytes_.load(); }
  const std::string& remote_address() const override { return remote_; }

  // Closeable

  void shutdown() override {
    close({CloseCode::kGoingAway, "server shutting down"});
    asio::dispatch(ws_.get_executor(), [self = this->shared_from_this()] {
      self->shutdown_timer_.expires_after(std::chrono::seconds(1));
      self->shutdown_timer_.async_wait([self](beast::error_code error) {
        if (!error && !self->finished_) beast::get_lowest_layer(self->ws_).close();
      });
    });
  }

 private:
  struct Outgoing {
    WebSocketMessage message;
    WebSocket::WriteHandler done;
    size_t size;
  };

  void configure(beast::role_type role) {
    beast::get_lowest_layer(ws_).expires_never();
    auto timeouts = websocket::stream_base::timeout::suggested(role);
    timeouts.handshake_timeout = options_.handshake_timeout;
    timeouts.idle_timeout = options_.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.read_message_max(0);  // no limit in Beast: read_more applies ours
    ws_.auto_fragment(false);
  }

  void after_connect() {
    if constexpr (std::is_same_v<NextLayer, TlsStream>) {
      auto& tls = ws_.next_layer();
      if (!SSL_set_tlsext_host_name(tls.native_handle(), url_.host.c_str())) {
        return fail_connect(Error(ErrorCode::kInternal, "cannot set TLS server name"));
      }
      if (client_options_.verify_peer) {
        tls.set_verify_callback(asio::ssl::host_name_verification(url_.host));
      }
      beast::get_lowest_layer(ws_).expires_after(options_.handshake_timeout);
      tls.async_handshake(asio::ssl::stream_base::client,
                          [self = this->shared_from_this()](beast::error_code error) {
                            if (error)
                              return self->fail_connect(network_error("TLS handshake", error));
                            self->websocket_handshake();
                          });
    } else {
      websocket_handshake();
    }
  }

  void websocket_handshake() {
    configure(beast::role_type::client);
    ws_.set_option(websocket::stream_base::decorator(
        [headers = client_options_.headers](websocket::request_type& request) {
          request.set(http::field::user_agent, "cloister");
          for (const auto& [name, value] : headers.fields()) request.set(name, value);
        }));
    ws_.async_handshake(handshake_response_, url_.host_header(), url_.target,
                        [self = this->shared_from_this()](beast::error_code error) {
                          if (error) return self->fail_connect(self->handshake_error(error));
                          self->handshake_response_ = {};  // only a refusal needed it
                          auto done = std::move(self->connect_done_);
                          done(std::make_shared<WebSocket>(self));
                        });
  }

  Error handshake_error(const beast::error_code& error) const {
    unsigned status = handshake_response_.result_int();
    if (status != 0 && status != 101) {
      std::string body = handshake_response_.body().substr(0, 200);
      return Error(code_for_refusal(status), "server refused the websocket upgrade with HTTP " +
                                                 std::to_string(status) +
                                                 (body.empty() ? "" : ": " + body));
    }
    return network_error("websocket handshake", error);
  }

  void fail_connect(Error error) {
    finish(error);
    auto done = std::move(connect_done_);
    if (done) done(std::move(error));
  }

  void start_read(WebSocket::ReadHandler done) {
    if (reading_) {
      return post_read(std::move(done), Error(ErrorCode::kFailedPrecondition,
                                              "a websocket read is already outstanding"));
    }
    if (finished_) return post_read(std::move(done), final_error_);
    if (refused_) return post_read(std::move(done), *refused_);
    reading_ = true;
    read_more(std::move(done));
  }

  // Reads the next piece of the message, at most one byte past the limit.
  // The limit is ours, not Beast's: on an oversized message Beast (1.81)
  // closes its socket without reading what the peer is still sending, which
  // resets the connection, so the peer may never see the 1009. Closing
  // ourselves runs the closing handshake, which reads and drops the rest.
  void read_more(WebSocket::ReadHandler done) {
    const size_t room = options_.max_message_bytes + 1 - read_buffer_.size();
    // The handler lives in the pending operation, not in this object: a
    // handler that holds this object would otherwise keep it alive for ever
    // when the I/O context is destroyed with the read still pending.
    ws_.async_read_some(
        read_buffer_, room,
        [self = this->shared_from_this(), handler = std::move(done)](beast::error_code error,
                                                                     size_t) mutable {
          if (!error && self->read_buffer_.size() > self->options_.max_message_bytes) {
            return self->refuse_oversized(handler);
          }
          if (error || self->ws_.is_message_done()) return self->on_read(error, handler);
          self->read_more(std::move(handler));
        });
  }

  void refuse_oversized(const WebSocket::ReadHandler& handler) {
    reading_ = false;
    read_buffer_.consume(read_buffer_.size());
    read_buffer_.shrink_to_fit();
    refused_ = Error(
        ErrorCode::kResourceExhausted,
        "websocket message larger than " + std::to_string(options_.max_message_bytes) + " bytes");
    if (!close_requested_) {
      close_requested_ = true;
      open_ = false;
      close_status_ = {CloseCode::kMessageTooBig, "message too big"};
      pump();
    }
    if (handler) handler(*refused_);
  }

  void on_read(const beast::error_code& error, const WebSocket::ReadHandler& handler) {
    reading_ = false;
    if (error) {
      Error failure = read_error(error);
      finish(failure);
      if (handler) handler(std::move(failure));
      return;
    }
    WebSocketMessage message;
    message.binary = ws_.got_binary();
    auto data = read_buffer_.data();
    const auto* begin = static_cast<const uint8_t*>(data.data());
    message.data.assign(begin, begin + data.size());
    read_buffer_.consume(read_buffer_.size());
    // An idle connection keeps a small buffer, not its largest message's.
    if (read_buffer_.capacity() > kKeptReadBufferBytes) read_buffer_.shrink_to_fit();
    if (handler) handler(std::move(message));
  }

  Error read_error(const beast::error_code& error) {
    // The peer's close frame may have arrived even if replying to it failed
    // (the peer hung up right after sending it), so look at what arrived.
    auto reason = ws_.reason();
    if (error == websocket::error::closed || reason.code != websocket::close_code::none) {
      CloseStatus status{static_cast<CloseCode>(reason.code), std::string(reason.reason.c_str())};
      {
        std::lock_guard lock(peer_close_mutex_);
        peer_close_ = status;
      }
      return Error(ErrorCode::kUnavailable,
                   "websocket closed by peer with code " + std::to_string(reason.code));
    }
    return network_error("websocket read", error);
  }

  void pump() {
    if (writing_ || closing_ || finished_) return;
    if (queue_.empty()) {
      if (close_requested_) start_close();
      return;
    }
    auto& front = queue_.front();
    writing_ = true;
    ws_.binary(front.message.binary);
    write_timer_.expires_after(options_.write_timeout);
    write_timer_.async_wait([weak = this->weak_from_this()](beast::error_code error) {
      auto self = weak.lock();
      if (!error && self && self->writing_) beast::get_lowest_layer(self->ws_).close();
    });
    ws_.async_write(asio::buffer(front.message.data),
                    [self = this->shared_from_this()](beast::error_code error, size_t) {
                      self->on_write(error);
                    });
  }

  void on_write(const beast::error_code& error) {
    write_timer_.cancel();
    writing_ = false;
    Outgoing sent = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= sent.size;
    if (error) {
      Error failure = network_error("websocket write", error);
      if (sent.done) sent.done(failure);
      finish(failure);
      return;
    }
    if (sent.done) sent.done(ok_status());
    pump();
  }

  void start_close() {
    closing_ = true;
    websocket::close_reason reason(static_cast<websocket::close_code>(close_status_.code),
                                   close_status_.reason);
    ws_.async_close(reason, [self = this->shared_from_this()](beast::error_code error) {
      self->closing_ = false;
      self->finish(error ? network_error("websocket close", error)
                         : Error(ErrorCode::kUnavailable, "websocket closed"));
    });
  }

  // Ends the connection for good: later reads and writes fail with `error`.
  void finish(const Error& error) {
    if (finished_) return;
    finished_ = true;
    open_ = false;
    final_error_ = error;
    write_timer_.cancel();
    shutdown_timer_.cancel();
    // The message being written must outlive its write; fail only the rest.
    std::deque<Outgoing> unsent;
    while (queue_.size() > (writing_ ? 1u : 0u)) {
      unsent.push_back(std::move(queue_.back()));
      queue_.pop_back();
    }
    for (auto& entry : unsent) {
      queued_bytes_ -= entry.size;
      if (entry.done) entry.done(error);
    }
    lease_.reset();
  }

  Error closed_error() const {
    return finished_ ? final_error_ : Error(ErrorCode::kUnavailable, "websocket is closed");
  }

  void post_read(WebSocket::ReadHandler done, Error error) {
    asio::post(ws_.get_executor(), [done = std::move(done), error = std::move(error)]() mutable {
      done(std::move(error));
    });
  }

  void post_status(WebSocket::WriteHandler done, Error error) {
    if (!done) return;
    asio::post(ws_.get_executor(), [done = std::move(done), error = std::move(error)]() mutable {
      done(std::move(error));
    });
  }

  websocket::stream<NextLayer> ws_;
  WebSocketOptions options_;
  asio::steady_timer write_timer_;
  asio::steady_timer shutdown_timer_;
  std::string remote_;
  std::shared_ptr<ConnectionLease> lease_;
  std::shared_ptr<asio::ssl::context> tls_context_;

  // Client connection state.
  Url url_;
  WebSocketClientOptions client_options_;
  ConnectHandler connect_done_;
  std::unique_ptr<tcp::resolver> resolver_;
  websocket::response_type handshake_response_;
  UpgradeRequest request_;

  // Strand-only state.
  beast::flat_buffer read_buffer_;
  bool reading_ = false;          // a read is outstanding
  std::optional<Error> refused_;  // set once an oversized message was refused
  std::deque<Outgoing> queue_;
  bool writing_ = false;
  bool closing_ = false;
  bool close_requested_ = false;
  bool finished_ = false;
  CloseStatus close_status_;
  Error final_error_{ErrorCode::kUnavailable, "websocket is closed"};

  // Shared with other threads.
  std::atomic<bool> open_{true};
  std::atomic<size_t> queued_bytes_{0};
  mutable std::mutex peer_close_mutex_;
  std::optional<CloseStatus> peer_close_;
  std::mutex inbox_mutex_;
  std::condition_variable inbox_cv_;
  std::optional<Result<WebSocketMessage>> inbox_;
  bool blocking_read_pending_ = false;
};

}  // namespace

WebSocket::WebSocket(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebSocket::~WebSocket() {
  if (impl_->is_open()) impl_->close({CloseCode::kGoingAway, ""});
}

void WebSocket::async_read(ReadHandler done) { impl_->async_read(std::move(done)); }

void WebSocket::async_write(WebSocketMessage message, WriteHandler done) {
  impl_->async_write(std::move(message), std::move(done));
}

Result<WebSocketMessage> WebSocket::read(std::chrono::milliseconds timeout) {
  return impl_->read(timeout);
}

Status WebSocket::write(WebSocketMessage message) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  impl_->async_write(std::move(message),
                     [promise](const Status& status) { promise->set_value(status); });
  return future.get();
}

void WebSocket::close(CloseStatus status) { impl_->close(std::move(status)); }
bool WebSocket::is_open() const { return impl_->is_open(); }
std::optional<CloseStatus> WebSocket::peer_close_status() const {
  return impl_->peer_close_status();
}
size_t WebSocket::queued_bytes() const { return impl_->queued_bytes(); }
const std::string& WebSocket::remote_address() const { return impl_->remote_address(); }

void accept_websocket(PlainStream stream, AcceptedUpgrade upgrade) {
  std::string remote = remote_address_of(stream.socket());
  auto session = std::make_shared<Session<PlainStream>>(upgrade.options, std::move(stream));
  session->start_accept(std::move(upgrade), std::move(remote));
}

void accept_websocket(TlsStream stream, AcceptedUpgrade upgrade) {
  std::string remote = remote_address_of(beast::get_lowest_layer(stream).socket());
  auto session = std::make_shared<Session<TlsStream>>(upgrade.options, std::move(stream));
  session->start_accept(std::move(upgrade), std::move(remote));
}

void async_connect_websocket(IoPool& pool, std::string_view url_text,
                             const WebSocketClientOptions& options, ConnectHandler done) {
  auto& context = pool.impl().context;
  auto fail = [&](Error error) {
    asio::post(context, [done = std::move(done), error = std::move(error)] { done(error); });
  };
  auto url = parse_url(url_text);
  if (!url.ok()) return fail(url.error());
  if (url->scheme != "ws" && url->scheme != "wss") {
    return fail(Error(ErrorCode::kInvalidArgument,
                      "websocket url must be ws:// or wss://, not " + url->scheme + "://"));
  }
  auto executor = asio::make_strand(context);
  if (url->secure()) {
    auto tls = client_tls_context(options.ca_file, options.verify_peer);
    if (!tls.ok()) return fail(tls.error());
    auto session = std::make_shared<Session<TlsStream>>(options.websocket, executor, **tls);
    session->keep_tls_context(*tls);
    session->start_connect(std::move(*url), options, std::move(done));
  } else {
    auto session = std::make_shared<Session<PlainStream>>(options.websocket, executor);
    session->start_connect(std::move(*url), options, std::move(done));
  }
}

Result<std::shared_ptr<WebSocket>> connect_websocket(IoPool& pool, std::string_view url,
                                                     const WebSocketClientOptions& options) {
  if (pool.running_in_pool()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "connect_websocket would block an I/O thread; use async_connect_websocket");
  }
  auto promise = std::make_shared<std::promise<Result<std::shared_ptr<WebSocket>>>>();
  auto future = promise->get_future();
  async_connect_websocket(pool, url, options, [promise](Result<std::shared_ptr<WebSocket>> result) {
    promise->set_value(std::move(result));
  });
  return future.get();
}

}  // namespace cloister::net
