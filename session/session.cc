#include "session/session.h"

namespace cloister::session {
namespace {

// Sends the refusal the handshake left behind (if any) and closes.
template <typename Handshake>
void abandon(MessageTransport& transport, Handshake& handshake) {
  if (auto farewell = handshake.take_farewell()) (void)transport.send(*farewell);
  transport.close();
}

}  // namespace

Session::Session(MessageTransport& transport, Channel channel, const Clock& clock)
    : transport_(transport), clock_(&clock), channel_(std::move(channel)) {}

Session::~Session() { close(); }

Result<std::unique_ptr<Session>> Session::connect(MessageTransport& transport,
                                                  InitiatorConfig config, const Clock& clock) {
  CLOISTER_ASSIGN_OR_RETURN(Initiator initiator, Initiator::create(std::move(config), clock));
  auto run = [&]() -> Result<Established> {
    CLOISTER_ASSIGN_OR_RETURN(Bytes message1, initiator.start());
    CLOISTER_TRY(transport.send(message1));
    auto message2 = transport.receive(initiator.deadline());
    if (!message2.ok()) {
      return std::move(message2).error().with_context("waiting for handshake message 2");
    }
    CLOISTER_ASSIGN_OR_RETURN(Established established, initiator.finish(*message2));
    CLOISTER_TRY(transport.send(established.message3));
    return established;
  };
  auto established = run();
  if (!established.ok()) {
    transport.close();
    return std::move(established).error();
  }
  return std::unique_ptr<Session>(new Session(transport, std::move(established->channel), clock));
}

Result<std::unique_ptr<Session>> Session::accept(MessageTransport& transport,
                                                 ResponderConfig config, const Clock& clock) {
  CLOISTER_ASSIGN_OR_RETURN(Responder responder, Responder::create(std::move(config), clock));
  auto run = [&]() -> Result<Channel> {
    auto message1 = transport.receive(responder.deadline());
    if (!message1.ok()) {
      return std::move(message1).error().with_context("waiting for handshake message 1");
    }
    CLOISTER_ASSIGN_OR_RETURN(Bytes message2, responder.respond(*message1));
    CLOISTER_TRY(transport.send(message2));
    auto message3 = transport.receive(responder.deadline());
    if (!message3.ok()) {
      return std::move(message3).error().with_context("waiting for handshake message 3");
    }
    return responder.finish(*message3);
  };
  auto channel = run();
  if (!channel.ok()) {
    abandon(transport, responder);
    return std::move(channel).error();
  }
  return std::unique_ptr<Session>(new Session(transport, std::move(channel).value(), clock));
}

void Session::end(std::optional<Bytes> farewell) {
  if (farewell) (void)transport_.send(*farewell);
  transport_.close();
}

Status Session::send_all(Result<Messages> messages) {
  if (!messages.ok()) {
    if (channel_.closed()) end(std::nullopt);
    return std::move(messages).error();
  }
  for (const Bytes& message : *messages) {
    Status sent = transport_.send(message);
    if (!sent.ok()) {
      Error reason = peer_reason_or(std::move(sent).error());
      if (!channel_.closed()) (void)channel_.close(wire_error_for(reason), "");
      transport_.close();
      return reason;
    }
  }
  return ok_status();
}

Error Session::peer_reason_or(Error error) {
  // The peer may have said why before it went away: read what is already
  // queued (a deadline in the past only polls) until its session error.
  for (int i = 0; i < 1024 && !channel_.closed(); ++i) {
    auto message = transport_.receive(TimePoint::min());
    if (!message.ok()) break;
    auto received = channel_.receive(*message);
    if (!received.ok()) return std::move(received).error();
  }
  return error;
}

Result<StreamId> Session::send_request(ByteSpan body) {
  std::lock_guard lock(mutex_);
  CLOISTER_ASSIGN_OR_RETURN(OutgoingRequest request, channel_.send_request(body));
  CLOISTER_TRY(send_all(std::move(request.messages)));
  return request.stream_id;
}

Status Session::cancel(StreamId stream_id) {
  std::lock_guard lock(mutex_);
  return send_all(channel_.send_cancel(stream_id));
}

Status Session::send_response_start(StreamId stream_id, ByteSpan body) {
  std::lock_guard lock(mutex_);
  return send_all(channel_.send_response_start(stream_id, body));
}

Status Session::send_stream_delta(StreamId stream_id, ByteSpan body) {
  std::lock_guard lock(mutex_);
  return send_all(channel_.send_stream_delta(stream_id, body));
}

Status Session::send_response_end(StreamId stream_id, ByteSpan body) {
  std::lock_guard lock(mutex_);
  return send_all(channel_.send_response_end(stream_id, body));
}

Status Session::send_stream_error(StreamId stream_id, uint16_t code, std::string_view reason) {
  std::lock_guard lock(mutex_);
  return send_all(channel_.send_stream_error(stream_id, code, reason));
}

Status Session::ping() {
  std::lock_guard lock(mutex_);
  return send_all(channel_.send_ping());
}

Result<Event> Session::receive(TimePoint deadline) {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (channel_.closed()) return Error(ErrorCode::kFailedPrecondition, "the session is closed");
    }

    // Wait without the lock, so that other threads can send meanwhile.
    auto message = transport_.receive(deadline);
    std::lock_guard lock(mutex_);
    if (!message.ok()) {
      if (message.error().code() != ErrorCode::kDeadlineExceeded) {
        if (!channel_.closed()) (void)channel_.close(0, "");
        transport_.close();
      }
      return std::move(message).error();
    }
    auto received = channel_.receive(*message);
    if (!received.ok()) {
      end(channel_.take_farewell());
      return std::move(received).error();
    }
    CLOISTER_TRY(send_all(std::move(received->replies)));
    if (received->event) return std::move(*received->event);
    // A peer that keeps sending pings must not keep the caller past its deadline.
    if (clock_->now() >= deadline) {
      return Error(ErrorCode::kDeadlineExceeded, "no event arrived before the deadline");
    }
  }
}

void Session::close(uint16_t code, std::string_view reason) {
  std::lock_guard lock(mutex_);
  if (channel_.closed()) {
    transport_.close();
    return;
  }
  auto farewell = channel_.close(code, reason);
  end(farewell.ok() ? std::optional<Bytes>(std::move(farewell).value()) : std::nullopt);
}

bool Session::closed() const {
  std::lock_guard lock(mutex_);
  return channel_.closed();
}

}  // namespace cloister::session
