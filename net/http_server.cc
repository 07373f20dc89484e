#include "net/http_server.h"

#include <future>
#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/internal/server_context.h"
#include "net/internal/websocket_impl.h"

namespace cloister::net {
namespace {

// How long stop() lets connections finish their close handshakes.
constexpr auto kStopGrace = std::chrono::seconds(2);
// After a failed accept (e.g. out of file descriptors), wait before retrying
// rather than spin.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, std::shared_ptr<ServerContext> server)
      : io_(io),
        acceptor_(asio::make_strand(io)),
        retry_(acceptor_.get_executor()),
        server_(std::move(server)) {}

  Status listen(const std::string& address_text, uint16_t port) {
    boost::system::error_code error;
    auto address = asio::ip::make_address(address_text, error);
    if (error) {
      return Error(ErrorCode::kInvalidArgument,
                   "listen address '" + address_text + "' is not an IP address");
    }
    tcp::endpoint endpoint(address, port);
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      return Error(ErrorCode::kUnavailable, "cannot listen on " + address_text + ":" +
                                                std::to_string(port) + ": " + error.message());
    }
    port_ = acceptor_.local_endpoint().port();
    return ok_status();
  }

  void accept_next() {
    acceptor_.async_accept(
        asio::make_strand(io_),
        [self = shared_from_this()](boost::system::error_code error, tcp::socket socket) {
          if (!self->acceptor_.is_open()) return;
          if (error) {
            self->retry_.expires_after(kAcceptRetryDelay);
            self->retry_.async_wait([self](boost::system::error_code wait_error) {
              if (!wait_error) self->accept_next();
            });
            return;
          }
          if (auto lease = self->server_->tracker->try_admit()) {
            send_immediately(socket);
            serve_connection(std::move(socket), self->server_, std::move(lease));
          } else {
            boost::system::error_code ignored;
            socket.close(ignored);  // over the connection limit
          }
          self->accept_next();
        });
  }

  // Closes the acceptor on its strand and waits until that happened.
  void close() {
    std::promise<void> closed;
    asio::dispatch(acceptor_.get_executor(), [&] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      retry_.cancel();
      closed.set_value();
    });
    closed.get_future().wait();
  }

  uint16_t port() const { return port_; }

 private:
  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::shared_ptr<ServerContext> server_;
  uint16_t port_ = 0;
};

}  // namespace

struct HttpServer::Impl {
  explicit Impl(std::shared_ptr<ServerContext> server_in)
      : server(std::move(server_in)), io(server->options.io_threads) {}

  // Declared first so it is destroyed last, after every connection.
  std::shared_ptr<ServerContext> server;
  IoPool io;
  std::shared_ptr<Listener> listener;
  std::atomic<bool> stopped{false};
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(Router router, ServerOptions options,
                                                      RequestObserver observer) {
  auto server =
      std::make_shared<ServerContext>(std::move(router), std::move(options), std::move(observer));
  if (server->options.tls) {
    CLOISTER_ASSIGN_OR_RETURN(server->tls, make_server_tls_context(server->options.tls->cert_file,
                                                                   server->options.tls->key_file));
  }
  auto impl = std::make_unique<Impl>(server);
  impl->listener = std::make_shared<Listener>(impl->io.impl().context, server);
  CLOISTER_TRY(impl->listener->listen(server->options.address, server->options.port));
  impl->listener->accept_next();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

uint16_t HttpServer::port() const { return impl_->listener->port(); }
bool HttpServer::tls() const { return impl_->server->tls != nullptr; }
size_t HttpServer::open_connections() const { return impl_->server->tracker->open_count(); }
IoPool& HttpServer::io_pool() { return impl_->io; }

void HttpServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->listener->close();
  impl_->server->tracker->shutdown_all();
  auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  while (impl_->server->tracker->open_count() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  impl_->server->handlers.join();
  impl_->io.stop();
}

}  // namespace cloister::net
