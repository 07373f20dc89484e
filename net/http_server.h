// An HTTP/1.1 server with WebSocket upgrade, optional TLS, and bounds on
// everything a client controls: header size, body size, connection count and
// how long a request may take to arrive (so a slowloris client cannot hold a
// connection open by trickling bytes).
//
// I/O runs on a small pool of threads; handlers run on a separate pool so they
// may block (on a database, an upstream) without stalling other connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/http_message.h"
#include "net/io_pool.h"
#include "net/router.h"
#include "net/websocket.h"

namespace cloister::net {

struct TlsFiles {
  std::string cert_file;  // PEM certificate chain
  std::string key_file;   // PEM private key
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: pick a free port (see HttpServer::port())
  std::optional<TlsFiles> tls;

  size_t io_threads = 2;
  size_t handler_threads = 4;

  size_t max_connections = 1024;  // beyond this, new connections are closed at once
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1 << 20;  // per-route overrides in RouteOptions
  size_t max_requests_per_connection = 10'000;
  // A request's head and body must each arrive within read_timeout, however
  // slowly the bytes trickle in; a kept-alive connection may sit idle for
  // idle_timeout before its next request.
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  // Bytes a streamed response may hold before its producer has to wait.
  size_t stream_buffer_bytes = 256 * 1024;
  WebSocketOptions websocket;
  // Headers added to every response (e.g. security headers), unless the
  // handler set them itself.
  Headers default_headers;
};

// Observes each finished request, for metrics and access logs. `route` is the
// matched pattern (or "unmatched"); nothing from the request's content.
struct RequestRecord {
  Method method;
  std::string route;
  int status;
  std::chrono::nanoseconds duration;
};
using RequestObserver = std::function<void(const RequestRecord&)>;

class HttpServer {
 public:
  struct Impl;

  // Binds and starts serving `router`. Fails if the address cannot be bound
  // or the TLS files cannot be loaded.
  static Result<std::unique_ptr<HttpServer>> start(Router router, ServerOptions options,
                                                   RequestObserver observer = nullptr);
  // Stops (see stop()).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Returns the bound port.
  uint16_t port() const;
  // Returns true if the server speaks TLS.
  bool tls() const;
  // Returns the number of connections (HTTP and WebSocket) currently admitted.
  size_t open_connections() const;
  // Returns the server's I/O pool, for client connections that should share it.
  IoPool& io_pool();

  // Stops accepting, sends WebSocket peers a 1001 close, closes every
  // connection, waits for running handlers, and joins all threads. Idempotent.
  // Must not be called from a handler or from one of the server's threads.
  void stop();

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloister::net
