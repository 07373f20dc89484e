#include "session/websocket_transport.h"

#include <algorithm>

#include "noise/protocol.h"

namespace cloister::session {
namespace {

// Blocking reads wait in slices, so that a test clock moved past a deadline
// is noticed without a real wait of the whole remaining time.
constexpr std::chrono::milliseconds kReadSlice{250};

}  // namespace

net::WebSocketOptions session_websocket_options() {
  net::WebSocketOptions options;
  options.max_message_bytes = noise::kMaxMessageSize;
  return options;
}

WebSocketTransport::WebSocketTransport(std::shared_ptr<net::WebSocket> socket, const Clock& clock)
    : socket_(std::move(socket)), clock_(&clock) {}

WebSocketTransport::~WebSocketTransport() { close(); }

Result<std::unique_ptr<WebSocketTransport>> WebSocketTransport::connect(
    net::IoPool& pool, std::string_view url, net::WebSocketClientOptions options,
    const Clock& clock) {
  options.websocket.max_message_bytes =
      std::min(options.websocket.max_message_bytes, noise::kMaxMessageSize);
  CLOISTER_ASSIGN_OR_RETURN(std::shared_ptr<net::WebSocket> socket,
                            net::connect_websocket(pool, url, options));
  return std::make_unique<WebSocketTransport>(std::move(socket), clock);
}

Status WebSocketTransport::send(ByteSpan message) {
  if (message.size() > noise::kMaxMessageSize) {
    return Error(ErrorCode::kInvalidArgument, "a session message is larger than 65535 bytes");
  }
  return socket_->write(net::WebSocketMessage::binary_message(to_bytes(message)));
}

Result<Bytes> WebSocketTransport::receive(TimePoint deadline) {
  while (true) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(time_left(deadline, clock_->now()));
    auto slice = std::clamp(left, std::chrono::milliseconds(0), kReadSlice);
    Result<net::WebSocketMessage> message = socket_->read(slice);
    if (message.ok()) {
      if (!message->binary) {
        socket_->close({net::CloseCode::kUnsupportedData, "session messages are binary"});
        return Error(ErrorCode::kMalformed, "a session message arrived as WebSocket text");
      }
      return std::move(message->data);
    }
    if (message.error().code() != ErrorCode::kDeadlineExceeded) return std::move(message).error();
    // An idle connection ends with the same code as a read that timed out;
    // only the first leaves the socket usable.
    if (!socket_->is_open()) {
      return Error(ErrorCode::kUnavailable, "the WebSocket connection has closed");
    }
    if (clock_->now() >= deadline) {
      return Error(ErrorCode::kDeadlineExceeded, "no session message arrived before the deadline");
    }
  }
}

void WebSocketTransport::close() {
  if (socket_ && socket_->is_open()) socket_->close({net::CloseCode::kNormal, ""});
}

}  // namespace cloister::session
