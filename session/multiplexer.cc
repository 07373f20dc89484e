#include "session/multiplexer.h"

#include <algorithm>
#include <limits>

#include "crypto/secret_bytes.h"

namespace cloister::session {
namespace {

Error protocol_error(std::string message) {
  return Error(ErrorCode::kMalformed, std::move(message));
}

std::string stream_name(StreamId stream_id) { return "stream " + std::to_string(stream_id); }

}  // namespace

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kRequest: return "request";
    case EventKind::kResponseStart: return "response-start";
    case EventKind::kStreamDelta: return "stream-delta";
    case EventKind::kResponseEnd: return "response-end";
    case EventKind::kStreamError: return "stream-error";
    case EventKind::kCancelled: return "cancelled";
    case EventKind::kPong: return "pong";
  }
  return "unknown";
}

Multiplexer::Multiplexer(Side side, Limits limits) : side_(side), limits_(limits) {}

Result<Inbound> Multiplexer::on_frame(const Frame& frame) {
  switch (frame.type) {
    case FrameType::kPing: {
      Frame pong{FrameType::kPong, true, 0, 0, frame.payload};
      return Inbound{std::nullopt, {std::move(pong)}};
    }
    case FrameType::kPong: return on_pong(frame);
    case FrameType::kError:
      if (frame.stream_id == 0) {
        CLOISTER_ASSIGN_OR_RETURN(ErrorPayload error, decode_error_payload(frame.payload));
        return error_from_wire(error.code, error.reason);
      }
      return on_stream_error(frame);
    case FrameType::kCancel: return on_cancel(frame);
    default: return on_chunk(frame);
  }
}

Result<Inbound> Multiplexer::on_pong(const Frame& frame) {
  if (outstanding_pings_.empty() ||
      !std::equal(frame.payload.begin(), frame.payload.end(), outstanding_pings_.front().begin(),
                  outstanding_pings_.front().end())) {
    return protocol_error("pong does not answer the oldest outstanding ping");
  }
  outstanding_pings_.pop_front();
  return Inbound{Event{EventKind::kPong, 0, frame.payload, 0, {}}, {}};
}

Result<Inbound> Multiplexer::on_stream_error(const Frame& frame) {
  if (side_ == Side::kServer) return protocol_error("the client sent a stream error frame");
  auto it = streams_.find(frame.stream_id);
  if (it == streams_.end()) {
    return protocol_error("error frame for " + stream_name(frame.stream_id) +
                          ", which is not open");
  }
  if (it->second.partial) {
    return protocol_error("error frame interrupted a chunked " +
                          std::string(frame_type_name(it->second.partial->type)) + " on " +
                          stream_name(frame.stream_id));
  }
  CLOISTER_ASSIGN_OR_RETURN(ErrorPayload error, decode_error_payload(frame.payload));
  if (error.code == static_cast<uint16_t>(WireError::kClosed)) {
    return protocol_error("stream error frame with code 0 (closed)");
  }
  close_stream(frame.stream_id);
  return Inbound{Event{EventKind::kStreamError, frame.stream_id, {}, error.code, error.reason}, {}};
}

Result<Inbound> Multiplexer::on_cancel(const Frame& frame) {
  if (side_ == Side::kClient) return protocol_error("the enclave sent a cancel frame");
  if (frame.stream_id > highest_stream_) {
    return protocol_error("cancel for " + stream_name(frame.stream_id) +
                          ", which was never opened");
  }
  if (!streams_.contains(frame.stream_id)) return Inbound{};  // it ended as the cancel was sent
  close_stream(frame.stream_id);
  CLOISTER_ASSIGN_OR_RETURN(
      Frame confirm,
      stream_error_frame(frame.stream_id, static_cast<uint16_t>(WireError::kCancelled),
                         "cancelled by the client"));
  return Inbound{Event{EventKind::kCancelled, frame.stream_id, {}, 0, {}}, {std::move(confirm)}};
}

Status Multiplexer::check_phase(const Stream& stream, const Frame& frame) const {
  Phase required = Phase::kStreaming;
  switch (frame.type) {
    case FrameType::kRequest: required = Phase::kReceivingRequest; break;
    case FrameType::kResponseStart: required = Phase::kAwaitingStart; break;
    default: break;
  }
  if (stream.phase != required) {
    return protocol_error(std::string(frame_type_name(frame.type)) + " frame out of order on " +
                          stream_name(frame.stream_id));
  }
  return ok_status();
}

Result<Inbound> Multiplexer::on_chunk(const Frame& frame) {
  bool for_server = frame.type == FrameType::kRequest;
  if (for_server != (side_ == Side::kServer)) {
    return protocol_error(std::string(frame_type_name(frame.type)) + " frame sent the wrong way");
  }
  auto it = streams_.find(frame.stream_id);
  if (it == streams_.end()) {
    if (side_ == Side::kClient) {
      return protocol_error(std::string(frame_type_name(frame.type)) + " frame for " +
                            stream_name(frame.stream_id) + ", which is not open");
    }
    if (frame.stream_id <= highest_stream_) {
      return protocol_error("request reuses " + stream_name(frame.stream_id) +
                            "; stream ids must increase");
    }
    if (streams_.size() >= limits_.max_concurrent_streams) {
      return Error(
          ErrorCode::kResourceExhausted,
          "more than " + std::to_string(limits_.max_concurrent_streams) + " concurrent streams");
    }
    highest_stream_ = frame.stream_id;
    it = streams_.emplace(frame.stream_id, Stream{Phase::kReceivingRequest, false, {}}).first;
  }
  Stream& stream = it->second;
  if (stream.partial) {
    if (stream.partial->type != frame.type) {
      return protocol_error(std::string(frame_type_name(frame.type)) + " frame interrupted a " +
                            std::string(frame_type_name(stream.partial->type)) + " on " +
                            stream_name(frame.stream_id));
    }
  } else {
    CLOISTER_TRY(check_phase(stream, frame));
    stream.partial = Partial{frame.type, 0, {}};
  }
  CLOISTER_TRY(append_chunk(stream, frame));
  if (!frame.fin) return Inbound{};

  // A whole message has arrived.
  Bytes body = std::move(stream.partial->data);
  buffered_bytes_ -= body.size();
  stream.partial.reset();
  bool cancelled = stream.cancelled;
  EventKind kind = EventKind::kRequest;
  switch (frame.type) {
    case FrameType::kRequest: stream.phase = Phase::kRequestComplete; break;
    case FrameType::kResponseStart:
      kind = EventKind::kResponseStart;
      stream.phase = Phase::kStreaming;
      break;
    case FrameType::kStreamDelta: kind = EventKind::kStreamDelta; break;
    default:
      kind = EventKind::kResponseEnd;
      close_stream(frame.stream_id);
      cancelled = false;  // the terminal event is always reported
      break;
  }
  if (cancelled) return Inbound{};
  return Inbound{Event{kind, frame.stream_id, std::move(body), 0, {}}, {}};
}

Status Multiplexer::append_chunk(Stream& stream, const Frame& frame) {
  Partial& partial = *stream.partial;
  std::string where =
      std::string(frame_type_name(frame.type)) + " on " + stream_name(frame.stream_id);
  if (frame.chunk_index != partial.next_chunk) {
    return protocol_error(where + ": chunk " + std::to_string(frame.chunk_index) +
                          " arrived where chunk " + std::to_string(partial.next_chunk) +
                          " was expected");
  }
  if (partial.next_chunk >= limits_.max_chunks_per_message) {
    return Error(
        ErrorCode::kResourceExhausted,
        where + " has more than " + std::to_string(limits_.max_chunks_per_message) + " chunks");
  }
  if (partial.data.size() + frame.payload.size() > limits_.max_message_size) {
    return Error(ErrorCode::kResourceExhausted,
                 where + " exceeds " + std::to_string(limits_.max_message_size) + " bytes");
  }
  if (buffered_bytes_ + frame.payload.size() > limits_.max_buffered_bytes) {
    return Error(ErrorCode::kResourceExhausted, "partial messages exceed " +
                                                    std::to_string(limits_.max_buffered_bytes) +
                                                    " buffered bytes");
  }
  partial.data.insert(partial.data.end(), frame.payload.begin(), frame.payload.end());
  buffered_bytes_ += frame.payload.size();
  ++partial.next_chunk;
  return ok_status();
}

void Multiplexer::close_stream(StreamId stream_id) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  if (it->second.partial) {
    buffered_bytes_ -= it->second.partial->data.size();
    crypto::secure_wipe(it->second.partial->data);  // a dropped partial message is content
  }
  streams_.erase(it);
}

Result<std::vector<Frame>> Multiplexer::chunk(FrameType type, StreamId stream_id,
                                              ByteSpan body) const {
  if (body.size() > limits_.max_message_size) {
    return Error(ErrorCode::kInvalidArgument, std::string(frame_type_name(type)) + " body of " +
                                                  std::to_string(body.size()) + " bytes exceeds " +
                                                  std::to_string(limits_.max_message_size));
  }
  size_t chunk_size = std::clamp<size_t>(limits_.chunk_size, 1, kMaxFramePayload);
  size_t count = std::max<size_t>(1, (body.size() + chunk_size - 1) / chunk_size);
  if (count > limits_.max_chunks_per_message) {
    return Error(ErrorCode::kInvalidArgument, std::string(frame_type_name(type)) + " body needs " +
                                                  std::to_string(count) + " chunks, more than " +
                                                  std::to_string(limits_.max_chunks_per_message));
  }
  std::vector<Frame> frames;
  frames.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    ByteSpan piece =
        body.subspan(i * chunk_size, std::min(chunk_size, body.size() - i * chunk_size));
    frames.push_back(
        Frame{type, i + 1 == count, stream_id, static_cast<uint32_t>(i), to_bytes(piece)});
  }
  return frames;
}

Result<std::pair<StreamId, std::vector<Frame>>> Multiplexer::request(ByteSpan body) {
  if (side_ != Side::kClient) {
    return Error(ErrorCode::kFailedPrecondition, "only the client sends requests");
  }
  if (streams_.size() >= limits_.max_concurrent_streams) {
    return Error(ErrorCode::kResourceExhausted,
                 std::to_string(streams_.size()) + " streams are open, the limit");
  }
  if (highest_stream_ == std::numeric_limits<StreamId>::max()) {
    return Error(ErrorCode::kResourceExhausted, "stream ids are exhausted; open a new session");
  }
  StreamId stream_id = highest_stream_ + 1;
  CLOISTER_ASSIGN_OR_RETURN(std::vector<Frame> frames, chunk(FrameType::kRequest, stream_id, body));
  highest_stream_ = stream_id;
  streams_.emplace(stream_id, Stream{Phase::kAwaitingStart, false, {}});
  return std::make_pair(stream_id, std::move(frames));
}

Result<Frame> Multiplexer::cancel(StreamId stream_id) {
  if (side_ != Side::kClient) {
    return Error(ErrorCode::kFailedPrecondition, "only the client cancels streams");
  }
  auto it = streams_.find(stream_id);
  if (it == streams_.end() || it->second.cancelled) {
    return Error(ErrorCode::kFailedPrecondition,
                 stream_name(stream_id) + " is not open or already cancelled");
  }
  it->second.cancelled = true;
  return Frame{FrameType::kCancel, true, stream_id, 0, {}};
}

Result<Multiplexer::Stream*> Multiplexer::server_stream(StreamId stream_id, Phase expected,
                                                        const char* action) {
  if (side_ != Side::kServer) {
    return Error(ErrorCode::kFailedPrecondition, std::string("only the enclave can ") + action);
  }
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) {
    if (stream_id != 0 && stream_id <= highest_stream_) {
      return Error(ErrorCode::kCancelled, stream_name(stream_id) + " has ended or was cancelled");
    }
    return Error(ErrorCode::kFailedPrecondition, stream_name(stream_id) + " was never opened");
  }
  if (it->second.phase != expected) {
    return Error(ErrorCode::kFailedPrecondition,
                 std::string("cannot ") + action + " on " + stream_name(stream_id) + " now");
  }
  return &it->second;
}

Result<std::vector<Frame>> Multiplexer::response_start(StreamId stream_id, ByteSpan body) {
  CLOISTER_ASSIGN_OR_RETURN(Stream * stream,
                            server_stream(stream_id, Phase::kRequestComplete, "start a response"));
  CLOISTER_ASSIGN_OR_RETURN(auto frames, chunk(FrameType::kResponseStart, stream_id, body));
  stream->phase = Phase::kResponding;
  return frames;
}

Result<std::vector<Frame>> Multiplexer::stream_delta(StreamId stream_id, ByteSpan body) {
  CLOISTER_TRY(server_stream(stream_id, Phase::kResponding, "stream a delta"));
  return chunk(FrameType::kStreamDelta, stream_id, body);
}

Result<std::vector<Frame>> Multiplexer::response_end(StreamId stream_id, ByteSpan body) {
  CLOISTER_TRY(server_stream(stream_id, Phase::kResponding, "end a response"));
  CLOISTER_ASSIGN_OR_RETURN(auto frames, chunk(FrameType::kResponseEnd, stream_id, body));
  close_stream(stream_id);
  return frames;
}

Result<Frame> Multiplexer::stream_error(StreamId stream_id, uint16_t code,
                                        std::string_view reason) {
  if (code == static_cast<uint16_t>(WireError::kClosed)) {
    return Error(ErrorCode::kInvalidArgument, "a stream error needs a non-zero code");
  }
  auto in_request = server_stream(stream_id, Phase::kRequestComplete, "fail a stream");
  if (!in_request.ok() && in_request.error().code() == ErrorCode::kFailedPrecondition) {
    CLOISTER_TRY(server_stream(stream_id, Phase::kResponding, "fail a stream"));
  } else if (!in_request.ok()) {
    return std::move(in_request).error();
  }
  CLOISTER_ASSIGN_OR_RETURN(Frame frame, stream_error_frame(stream_id, code, reason));
  close_stream(stream_id);
  return frame;
}

Result<Frame> Multiplexer::stream_error_frame(StreamId stream_id, uint16_t code,
                                              std::string_view reason) const {
  CLOISTER_ASSIGN_OR_RETURN(Bytes payload,
                            encode_error_payload(ErrorPayload{code, std::string(reason)}));
  return Frame{FrameType::kError, true, stream_id, 0, std::move(payload)};
}

Result<Frame> Multiplexer::ping(const PingPayload& payload) {
  if (outstanding_pings_.size() >= limits_.max_outstanding_pings) {
    return Error(ErrorCode::kResourceExhausted, "too many pings are awaiting a pong");
  }
  outstanding_pings_.push_back(payload);
  return Frame{FrameType::kPing, true, 0, 0, to_bytes(payload)};
}

Result<Frame> Multiplexer::session_error(uint16_t code, std::string_view reason) const {
  return stream_error_frame(0, code, reason);
}

}  // namespace cloister::session
