#include "session/channel.h"

#include "crypto/random.h"

namespace cloister::session {

Channel::Channel(noise::TransportState transport, Side side, SessionInfo info, Limits limits)
    : transport_(std::move(transport)),
      multiplexer_(side, limits),
      info_(std::move(info)),
      limits_(limits) {}

Result<Bytes> Channel::seal_frame(const Frame& frame) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes plaintext, encode_frame(frame));
  auto sealed = transport_.write_message(plaintext);
  crypto::secure_wipe(plaintext);  // content stays only where the application keeps it
  if (!sealed.ok()) return fail(std::move(sealed).error(), false);
  // Both sides rekey each direction after every rekey_interval messages.
  if (transport_.send_nonce() % limits_.rekey_interval == 0) transport_.rekey_send();
  return sealed;
}

Result<Messages> Channel::seal(Result<std::vector<Frame>> frames) {
  if (closed_) return Error(ErrorCode::kFailedPrecondition, "the session is closed");
  if (!frames.ok()) return std::move(frames).error();
  Messages messages;
  messages.reserve(frames->size());
  for (Frame& frame : *frames) {
    auto message = seal_frame(frame);
    crypto::secure_wipe(frame.payload);
    if (!message.ok()) return std::move(message).error();
    messages.push_back(std::move(message).value());
  }
  return messages;
}

// Lifts a single frame into the vector form seal() takes.
static Result<std::vector<Frame>> one(Result<Frame> frame) {
  if (!frame.ok()) return std::move(frame).error();
  return std::vector<Frame>{std::move(frame).value()};
}

Result<OutgoingRequest> Channel::send_request(ByteSpan body) {
  if (closed_) return Error(ErrorCode::kFailedPrecondition, "the session is closed");
  CLOISTER_ASSIGN_OR_RETURN(auto opened, multiplexer_.request(body));
  CLOISTER_ASSIGN_OR_RETURN(Messages messages, seal(std::move(opened.second)));
  return OutgoingRequest{opened.first, std::move(messages)};
}

Result<Messages> Channel::send_cancel(StreamId stream_id) {
  if (closed_) return Error(ErrorCode::kFailedPrecondition, "the session is closed");
  return seal(one(multiplexer_.cancel(stream_id)));
}

Result<Messages> Channel::send_response_start(StreamId stream_id, ByteSpan body) {
  if (closed_) return Error(ErrorCode::kFailedPrecondition, "the session is closed");
  return seal(multiplexer_.response_start(stream_id, body));
}

Result<Messages> Channel::send_stream_delta(StreamId stream_id, ByteSpan body) {
  if (closed_) return Error(ErrorCode::kFailedPrecondition, "the session is closed");
  return seal(multiplexer_.stream_delta(stream_id, body));
}

Result<Messages> Channel::send_response_end(StreamId stream_id, ByteSpan body) {
  if (closed_) return Error(ErrorCode::kFailedPrecondition, "the session is closed");
  return seal(multiplexer_.response_end(stream_id, body));
}

Result<Messages> Channel::send_stream_error(StreamId stream_id, uint16_t code,
                                            std::string_view reason) {
  if (closed_) return Error(ErrorCode::kFailedPrecondition, "the session is closed");
  return seal(one(multiplexer_.stream_error(stream_id, code, truncate_reason(reason))));
}

Result<Messages> Channel::send_ping() {
  PingPayload payload{};
  crypto::fill_random(payload);
  return send_ping(payload);
}

Result<Messages> Channel::send_ping(const PingPayload& payload) {
  if (closed_) return Error(ErrorCode::kFailedPrecondition, "the session is closed");
  return seal(one(multiplexer_.ping(payload)));
}

Result<Bytes> Channel::close(uint16_t code, std::string_view reason) {
  if (closed_) return Error(ErrorCode::kFailedPrecondition, "the session is closed");
  CLOISTER_ASSIGN_OR_RETURN(Frame frame, multiplexer_.session_error(code, truncate_reason(reason)));
  auto message = seal_frame(frame);
  closed_ = true;
  return message;
}

Error Channel::fail(Error error, bool tell_peer) {
  if (!closed_ && tell_peer) {
    auto frame =
        multiplexer_.session_error(wire_error_for(error), truncate_reason(error.message()));
    if (frame.ok()) {
      auto plaintext = encode_frame(*frame);
      if (plaintext.ok()) {
        auto sealed = transport_.write_message(*plaintext);
        if (sealed.ok()) farewell_ = std::move(sealed).value();
      }
    }
  }
  closed_ = true;
  return error;
}

Result<Received> Channel::receive(ByteSpan message) {
  if (closed_) return Error(ErrorCode::kFailedPrecondition, "the session is closed");
  auto plaintext = transport_.read_message(message);
  if (!plaintext.ok()) return fail(std::move(plaintext).error(), true);
  if (transport_.receive_nonce() % limits_.rekey_interval == 0) transport_.rekey_receive();
  auto frame = decode_frame(*plaintext);
  crypto::secure_wipe(*plaintext);
  if (!frame.ok()) return fail(std::move(frame).error(), true);
  auto inbound = multiplexer_.on_frame(*frame);
  if (!inbound.ok()) {
    // A session error from the peer needs no answer.
    bool from_peer = frame->type == FrameType::kError && frame->stream_id == 0;
    return fail(std::move(inbound).error(), !from_peer);
  }
  Received received{std::move(inbound->event), {}};
  for (const Frame& reply : inbound->replies) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes sealed, seal_frame(reply));
    received.replies.push_back(std::move(sealed));
  }
  return received;
}

std::optional<Bytes> Channel::take_farewell() {
  std::optional<Bytes> farewell = std::move(farewell_);
  farewell_.reset();
  return farewell;
}

}  // namespace cloister::session
