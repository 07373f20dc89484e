// The session's message transport over a WebSocket (docs/protocol.md,
// "Carrying the messages"): every Noise message, handshake or transport, is
// exactly one binary WebSocket message. The same class serves the enclave,
// which wraps the socket its WebSocket route accepted, and the client, which
// dials the host (or the enclave) with connect().
//
//   auto transport = session::WebSocketTransport::connect(pool, "ws://host/v1/session");
//   auto session = session::Session::connect(**transport, std::move(config), clock);
#pragma once

#include <memory>
#include <string_view>

#include "base/clock.h"
#include "net/io_pool.h"
#include "net/websocket.h"
#include "session/message_transport.h"

namespace cloister::session {

// WebSocket options sized for sessions: messages up to the Noise limit of
// 65535 bytes (larger ones close the connection with 1009).
net::WebSocketOptions session_websocket_options();

class WebSocketTransport final : public MessageTransport {
 public:
  // Wraps an open WebSocket. Deadlines are read from `clock`, which must
  // outlive the transport. Send and receive block, so they must not run on
  // the socket's I/O pool.
  explicit WebSocketTransport(std::shared_ptr<net::WebSocket> socket,
                              const Clock& clock = system_clock());
  // Closes the WebSocket if it is still open.
  ~WebSocketTransport() override;
  WebSocketTransport(const WebSocketTransport&) = delete;
  WebSocketTransport& operator=(const WebSocketTransport&) = delete;

  // Dials `url` (ws:// or wss://) on `pool` and returns the client's end.
  // The message limit of `options.websocket` is lowered to 65535 bytes.
  static Result<std::unique_ptr<WebSocketTransport>> connect(
      net::IoPool& pool, std::string_view url, net::WebSocketClientOptions options = {},
      const Clock& clock = system_clock());

  // Sends `message` as one binary WebSocket message and waits until the
  // socket took it, so a peer that does not read pushes back on the sender.
  // Fails with kInvalidArgument for a message over 65535 bytes and
  // kUnavailable once the connection is closed.
  Status send(ByteSpan message) override;
  // Returns the next binary message. Fails with kDeadlineExceeded when none
  // arrived by `deadline`, kUnavailable once the connection closed (or went
  // idle), kResourceExhausted for an oversized message, and kMalformed for a
  // text message (the connection is then closed).
  Result<Bytes> receive(TimePoint deadline) override;
  // Starts the WebSocket closing handshake once queued messages are sent.
  void close() override;

  // Returns the underlying socket (e.g. for its peer's close status).
  net::WebSocket& socket() { return *socket_; }

 private:
  std::shared_ptr<net::WebSocket> socket_;
  const Clock* clock_;
};

}  // namespace cloister::session
