// A blocking driver for one session over a MessageTransport: connect() runs
// the client's handshake, accept() the enclave's, and the Session then sends
// and receives application messages. Sends may come from several threads
// while one thread receives; every error ends the session and tells the peer
// why when it still can.
#pragma once

#include <memory>
#include <mutex>

#include "session/initiator.h"
#include "session/message_transport.h"
#include "session/responder.h"

namespace cloister::session {

class Session {
 public:
  // Runs the initiator handshake over `transport` and returns once message 3
  // is sent. `transport` and `clock` must outlive the Session.
  static Result<std::unique_ptr<Session>> connect(MessageTransport& transport,
                                                  InitiatorConfig config, const Clock& clock);
  // Runs the responder handshake over `transport`; the same lifetimes apply.
  static Result<std::unique_ptr<Session>> accept(MessageTransport& transport,
                                                 ResponderConfig config, const Clock& clock);

  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const SessionInfo& info() const { return channel_.info(); }

  // Client: sends a request on a new stream and returns its id.
  Result<StreamId> send_request(ByteSpan body);
  // Client: cancels a stream; its terminal event still arrives.
  Status cancel(StreamId stream_id);

  // Enclave: the response to a request event, in order.
  Status send_response_start(StreamId stream_id, ByteSpan body);
  Status send_stream_delta(StreamId stream_id, ByteSpan body);
  Status send_response_end(StreamId stream_id, ByteSpan body);
  Status send_stream_error(StreamId stream_id, uint16_t code, std::string_view reason);

  // Either side: sends a ping; the pong arrives as an event.
  Status ping();

  // Returns the next event, answering pings and cancels by itself. Fails
  // with kDeadlineExceeded if no event arrived by `deadline` on the session's
  // clock (the session stays usable); any other error has ended the session.
  Result<Event> receive(TimePoint deadline);

  // Ends the session with `code` (0: normal close) and closes the transport.
  void close(uint16_t code = 0, std::string_view reason = "");
  bool closed() const;

 private:
  Session(MessageTransport& transport, Channel channel, const Clock& clock);
  Status send_all(Result<Messages> messages);
  Error peer_reason_or(Error error);
  void end(std::optional<Bytes> farewell);

  MessageTransport& transport_;
  const Clock* clock_;
  mutable std::mutex mutex_;  // guards channel_ and the order of sends
  Channel channel_;
};

}  // namespace cloister::session
