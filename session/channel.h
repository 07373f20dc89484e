// A session after its handshake: the Noise transport plus the stream
// multiplexer. Every outgoing frame becomes one Noise transport message and
// every incoming message must hold exactly one valid frame. The first
// inbound violation, failed decryption or exhausted nonce closes the channel
// for good; take_farewell() then yields the session error to send the peer.
// Not thread-safe: callers serialize (see Session for a locked driver).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "noise/transport_state.h"
#include "session/evidence_bundle.h"
#include "session/multiplexer.h"

namespace cloister::session {

// What both ends know about an established session.
struct SessionInfo {
  uint16_t version = 0;
  Bytes handshake_hash;                         // unique per session (channel binding)
  crypto::X25519PublicKey remote_static_key{};  // client: the enclave's; enclave: the client's
  std::optional<Nonce> nonce;                   // the client's freshness nonce, if any
  ReportData report_data{};                     // what the evidence was bound to
  std::optional<EvidenceBundle> evidence;       // client only: what the enclave presented
  Bytes authorization_token;                    // enclave only: what the client presented
};

// Outgoing Noise transport messages, in the order they must be sent.
using Messages = std::vector<Bytes>;

// A request as sent: its new stream id and its messages.
struct OutgoingRequest {
  StreamId stream_id = 0;
  Messages messages;
};

// What one incoming message produced: at most one event, and messages this
// side must send back at once (a pong, the confirmation of a cancel).
struct Received {
  std::optional<Event> event;
  Messages replies;
};

class Channel {
 public:
  Channel(noise::TransportState transport, Side side, SessionInfo info, Limits limits);

  Side side() const { return multiplexer_.side(); }
  const SessionInfo& info() const { return info_; }
  bool closed() const { return closed_; }
  size_t open_streams() const { return multiplexer_.open_streams(); }

  // Client: sends a request on a new stream.
  Result<OutgoingRequest> send_request(ByteSpan body);
  // Client: cancels an open stream.
  Result<Messages> send_cancel(StreamId stream_id);

  // Enclave: responds to a complete request (start, then deltas, then end;
  // or an error at any point). kCancelled means the client cancelled it.
  Result<Messages> send_response_start(StreamId stream_id, ByteSpan body);
  Result<Messages> send_stream_delta(StreamId stream_id, ByteSpan body);
  Result<Messages> send_response_end(StreamId stream_id, ByteSpan body);
  Result<Messages> send_stream_error(StreamId stream_id, uint16_t code, std::string_view reason);

  // Either side: a ping with a random payload; the peer's pong surfaces as an event.
  Result<Messages> send_ping();
  // The same with a chosen payload (reproducible transcripts).
  Result<Messages> send_ping(const PingPayload& payload);

  // Ends the session: returns the session error message to send (code 0 for
  // a normal close) and closes the channel.
  Result<Bytes> close(uint16_t code, std::string_view reason);

  // Processes one transport message from the peer. Any error closes the channel.
  Result<Received> receive(ByteSpan message);

  // After receive() failed: the session error to send the peer before
  // dropping the connection, if one can still be sent.
  std::optional<Bytes> take_farewell();

 private:
  Result<Messages> seal(Result<std::vector<Frame>> frames);
  Result<Bytes> seal_frame(const Frame& frame);
  Error fail(Error error, bool tell_peer);

  noise::TransportState transport_;
  Multiplexer multiplexer_;
  SessionInfo info_;
  Limits limits_;
  bool closed_ = false;
  std::optional<Bytes> farewell_;
};

}  // namespace cloister::session
