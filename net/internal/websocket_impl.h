// Private to net/: the interface behind the public WebSocket, and the entry
// point the HTTP server uses to hand an upgraded connection over. The Beast
// WebSocket templates are instantiated in websocket.cc only.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/internal/asio.h"
#include "net/internal/connections.h"
#include "net/websocket.h"

namespace cloister::net {

class WebSocket::Impl {
 public:
  virtual ~Impl() = default;
  virtual void async_read(ReadHandler done) = 0;
  virtual void async_write(WebSocketMessage message, WriteHandler done) = 0;
  virtual Result<WebSocketMessage> read(std::chrono::milliseconds timeout) = 0;
  virtual void close(CloseStatus status) = 0;
  virtual bool is_open() const = 0;
  virtual std::optional<CloseStatus> peer_close_status() const = 0;
  virtual size_t queued_bytes() const = 0;
  virtual const std::string& remote_address() const = 0;
};

using PlainStream = beast::tcp_stream;
using TlsStream = asio::ssl::stream<beast::tcp_stream>;
using UpgradeRequest = beast::http::request<beast::http::string_body>;

// What the server passes along with an upgraded connection.
struct AcceptedUpgrade {
  UpgradeRequest request;
  WebSocketOptions options;
  Headers response_headers;
  std::shared_ptr<ConnectionLease> lease;
  std::function<void(Result<std::shared_ptr<WebSocket>>)> done;
};

// Completes the server side of the handshake on `stream` (which must already
// have read `upgrade.request`), then calls upgrade.done on the strand.
void accept_websocket(PlainStream stream, AcceptedUpgrade upgrade);
void accept_websocket(TlsStream stream, AcceptedUpgrade upgrade);

// Returns a server TLS context loaded from PEM files (TLS 1.2 and newer).
Result<std::shared_ptr<asio::ssl::context>> make_server_tls_context(const std::string& cert_file,
                                                                    const std::string& key_file);
// Returns a shared client TLS context trusting `ca_file` (empty: the system
// store), verifying the peer unless `verify_peer` is false.
Result<std::shared_ptr<asio::ssl::context>> client_tls_context(const std::string& ca_file,
                                                               bool verify_peer);

}  // namespace cloister::net
