// A WebSocket connection at the message level, for both ends: the server hands
// one to a route's open handler, and connect_websocket() dials one.
//
// Reading is pull-based: one async_read at a time, and nothing more is read
// from the socket until the next call, so a slow consumer pushes back on the
// peer through TCP instead of growing a buffer. Writing is queued up to a byte
// limit; a write's completion says when the peer's socket took it. All
// callbacks run on the connection's strand and must not block.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "net/http_message.h"
#include "net/io_pool.h"

namespace cloister::net {

// Close codes from RFC 6455 section 7.4.1 (and the IANA registry).
enum class CloseCode : uint16_t {
  kNormal = 1000,
  kGoingAway = 1001,
  kProtocolError = 1002,
  kUnsupportedData = 1003,
  kNoStatus = 1005,
  kAbnormal = 1006,
  kInvalidPayload = 1007,
  kPolicyViolation = 1008,
  kMessageTooBig = 1009,
  kInternalError = 1011,
  kTryAgainLater = 1013,
};

struct CloseStatus {
  CloseCode code = CloseCode::kNormal;
  std::string reason;  // at most 123 bytes go on the wire
};

struct WebSocketMessage {
  bool binary = true;
  Bytes data;

  // Returns a binary message holding `data`.
  static WebSocketMessage binary_message(Bytes data) { return {true, std::move(data)}; }
  // Returns a text message holding `text` (which should be UTF-8).
  static WebSocketMessage text_message(std::string_view text) { return {false, to_bytes(text)}; }
  // Returns the payload viewed as characters.
  std::string_view text() const {
    return {reinterpret_cast<const char*>(data.data()), data.size()};
  }
};

struct WebSocketOptions {
  size_t max_message_bytes = 1 << 20;  // larger incoming messages close with 1009
  size_t max_queued_bytes = 4 << 20;   // outgoing bytes waiting for the socket
  std::chrono::milliseconds handshake_timeout{10'000};
  // No frame (not even a pong to our pings) from the peer for this long closes
  // the connection; pings go out at half of it.
  std::chrono::milliseconds idle_timeout{60'000};
  // A write the peer does not take within this long closes the connection.
  std::chrono::milliseconds write_timeout{30'000};
};

class WebSocket {
 public:
  // The transport-specific implementation; only net/ sees inside.
  class Impl;
  using ReadHandler = std::function<void(Result<WebSocketMessage>)>;
  using WriteHandler = std::function<void(Status)>;

  explicit WebSocket(std::shared_ptr<Impl> impl);
  // Closes the connection (1001 going away) if it is still open.
  ~WebSocket();
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;

  // Reads the next message and passes it to `done`. When the connection ends,
  // `done` gets kUnavailable (closed; see close_status()), kResourceExhausted
  // (message too big) or kDeadlineExceeded (idle). Only one read may be
  // outstanding; a second fails with kFailedPrecondition.
  void async_read(ReadHandler done);
  // Queues `message`; `done` (optional) runs once the socket took it, or with
  // the error that stopped it. Fails at once with kResourceExhausted when the
  // queue would exceed max_queued_bytes, and kUnavailable once closed.
  void async_write(WebSocketMessage message, WriteHandler done = nullptr);

  // Blocking forms for threads outside the I/O pool. read() waits up to
  // `timeout` (kDeadlineExceeded, with the read still pending for next time).
  Result<WebSocketMessage> read(std::chrono::milliseconds timeout);
  Status write(WebSocketMessage message);

  // Starts the closing handshake after queued writes are sent.
  void close(CloseStatus status = {});
  // Returns true until the connection has closed or failed.
  bool is_open() const;
  // Returns the close status the peer sent, once it has sent one.
  std::optional<CloseStatus> peer_close_status() const;
  // Returns the outgoing bytes queued but not yet written.
  size_t queued_bytes() const;
  // Returns the peer's IP address as text.
  const std::string& remote_address() const;

 private:
  std::shared_ptr<Impl> impl_;
};

struct WebSocketClientOptions {
  WebSocketOptions websocket;
  std::chrono::milliseconds connect_timeout{10'000};
  Headers headers;  // extra handshake request headers (e.g. Authorization)
  // wss:// only: PEM file of trusted roots (default: the system store) and
  // whether to verify the server's certificate and name at all.
  std::string ca_file;
  bool verify_peer = true;
};

using ConnectHandler = std::function<void(Result<std::shared_ptr<WebSocket>>)>;

// Dials `url` (ws:// or wss://) on `pool`; `done` runs on the new connection's
// strand with the connected socket or the reason it failed.
void async_connect_websocket(IoPool& pool, std::string_view url,
                             const WebSocketClientOptions& options, ConnectHandler done);
// Blocking form of async_connect_websocket, for threads outside `pool`.
Result<std::shared_ptr<WebSocket>> connect_websocket(IoPool& pool, std::string_view url,
                                                     const WebSocketClientOptions& options = {});

}  // namespace cloister::net
