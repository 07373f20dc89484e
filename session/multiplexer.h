// The stream layer of a session, without any cryptography: it turns
// application messages into frames (chunking) and frames back into
// application messages (reassembly), and enforces every ordering rule and
// limit of docs/protocol.md, "Streams". An error from on_frame() is fatal:
// the caller ends the session. Errors from the send side are the caller's
// mistakes and leave the multiplexer usable.
#pragma once

#include <array>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "session/frame.h"

namespace cloister::session {

enum class Side { kClient, kServer };

enum class EventKind {
  kRequest,        // server: a complete request arrived
  kResponseStart,  // client: the response head arrived
  kStreamDelta,    // client: one streamed delta
  kResponseEnd,    // client: the response ended (the stream is closed)
  kStreamError,    // client: the stream ended with an error
  kCancelled,      // server: the client cancelled the stream (the stream is closed)
  kPong,           // either: a pong answered one of our pings
};

// Returns "request", "response-start", ... for logs.
std::string_view event_kind_name(EventKind kind);

// A complete application message or a stream state change.
struct Event {
  EventKind kind = EventKind::kRequest;
  StreamId stream_id = 0;
  Bytes body;               // the message body; the ping payload for kPong
  uint16_t error_code = 0;  // kStreamError only
  std::string reason;       // kStreamError only

  friend bool operator==(const Event&, const Event&) = default;
};

// What one inbound frame produced: at most one event, and frames this side
// must send in reply (a pong, or the error that confirms a cancel).
struct Inbound {
  std::optional<Event> event;
  std::vector<Frame> replies;
};

using PingPayload = std::array<uint8_t, kPingPayloadSize>;

class Multiplexer {
 public:
  Multiplexer(Side side, Limits limits);

  Side side() const { return side_; }
  // Returns the number of streams that have not ended.
  size_t open_streams() const { return streams_.size(); }

  // Applies one frame from the peer. Any violation is an error (kMalformed
  // for ordering and encoding, kResourceExhausted for limits); a session
  // error frame from the peer comes back as the error it carries.
  Result<Inbound> on_frame(const Frame& frame);

  // Client: opens the next stream with a request. Fails with
  // kResourceExhausted while max_concurrent_streams are open.
  Result<std::pair<StreamId, std::vector<Frame>>> request(ByteSpan body);
  // Client: cancels an open stream; frames for it are then dropped until its
  // terminal frame (response-end or error) arrives.
  Result<Frame> cancel(StreamId stream_id);

  // Server: the response to a complete request, in order start, deltas, end;
  // or an error instead of any of them. Fails with kCancelled if the client
  // cancelled the stream.
  Result<std::vector<Frame>> response_start(StreamId stream_id, ByteSpan body);
  Result<std::vector<Frame>> stream_delta(StreamId stream_id, ByteSpan body);
  Result<std::vector<Frame>> response_end(StreamId stream_id, ByteSpan body);
  Result<Frame> stream_error(StreamId stream_id, uint16_t code, std::string_view reason);

  // Either side: a ping the peer must answer with a pong carrying `payload`.
  Result<Frame> ping(const PingPayload& payload);
  // Either side: the frame that ends the session (stream 0 error).
  Result<Frame> session_error(uint16_t code, std::string_view reason) const;

 private:
  enum class Phase {
    kReceivingRequest,  // server: request chunks are arriving
    kRequestComplete,   // server: waiting for the application to respond
    kResponding,        // server: response-start sent
    kAwaitingStart,     // client: request sent, no response head yet
    kStreaming,         // client: response head received
  };
  struct Partial {
    FrameType type = FrameType::kRequest;
    uint32_t next_chunk = 0;
    Bytes data;
  };
  struct Stream {
    Phase phase = Phase::kAwaitingStart;
    bool cancelled = false;
    std::optional<Partial> partial;
  };

  Result<Inbound> on_chunk(const Frame& frame);
  Result<Inbound> on_stream_error(const Frame& frame);
  Result<Inbound> on_cancel(const Frame& frame);
  Result<Inbound> on_pong(const Frame& frame);
  Status append_chunk(Stream& stream, const Frame& frame);
  Status check_phase(const Stream& stream, const Frame& frame) const;
  void close_stream(StreamId stream_id);
  Result<Stream*> server_stream(StreamId stream_id, Phase expected, const char* action);
  Result<std::vector<Frame>> chunk(FrameType type, StreamId stream_id, ByteSpan body) const;
  Result<Frame> stream_error_frame(StreamId stream_id, uint16_t code,
                                   std::string_view reason) const;

  Side side_;
  Limits limits_;
  std::map<StreamId, Stream> streams_;
  StreamId highest_stream_ = 0;  // client: last id used; server: highest id opened by the peer
  size_t buffered_bytes_ = 0;
  std::deque<PingPayload> outstanding_pings_;
};

}  // namespace cloister::session
