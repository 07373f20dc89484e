#include "session/frame.h"

namespace cloister::session {

std::string_view frame_type_name(FrameType type) {
  switch (type) {
    case FrameType::kRequest: return "request";
    case FrameType::kResponseStart: return "response-start";
    case FrameType::kStreamDelta: return "stream-delta";
    case FrameType::kResponseEnd: return "response-end";
    case FrameType::kError: return "error";
    case FrameType::kCancel: return "cancel";
    case FrameType::kPing: return "ping";
    case FrameType::kPong: return "pong";
  }
  return "unknown";
}

bool is_chunked_type(FrameType type) {
  return type == FrameType::kRequest || type == FrameType::kResponseStart ||
         type == FrameType::kStreamDelta || type == FrameType::kResponseEnd;
}

Result<Bytes> encode_frame(const Frame& frame) {
  if (frame.payload.size() > kMaxFramePayload) {
    return Error(ErrorCode::kInvalidArgument,
                 "frame payload of " + std::to_string(frame.payload.size()) + " bytes exceeds " +
                     std::to_string(kMaxFramePayload));
  }
  ByteWriter out;
  out.put_u8(static_cast<uint8_t>(frame.type));
  out.put_u8(frame.fin ? kFlagFin : 0);
  out.put_u32be(frame.stream_id);
  out.put_u32be(frame.chunk_index);
  out.put_u16be(static_cast<uint16_t>(frame.payload.size()));
  out.put_bytes(frame.payload);
  return out.take();
}

Result<Frame> decode_frame(ByteSpan plaintext) {
  ByteReader in(plaintext);
  Frame frame;
  CLOISTER_ASSIGN_OR_RETURN(uint8_t type, in.read_u8("frame type"));
  if (type < 1 || type > 8) {
    return Error(ErrorCode::kMalformed, "unknown frame type " + std::to_string(type));
  }
  frame.type = static_cast<FrameType>(type);
  std::string name(frame_type_name(frame.type));
  CLOISTER_ASSIGN_OR_RETURN(uint8_t flags, in.read_u8("frame flags"));
  if ((flags & ~kFlagFin) != 0) return in.malformed("frame flags", "has reserved bits set");
  frame.fin = (flags & kFlagFin) != 0;
  CLOISTER_ASSIGN_OR_RETURN(frame.stream_id, in.read_u32be("stream id"));
  CLOISTER_ASSIGN_OR_RETURN(frame.chunk_index, in.read_u32be("chunk index"));
  CLOISTER_ASSIGN_OR_RETURN(ByteReader payload, in.read_u16be_prefixed("frame payload"));
  CLOISTER_TRY(in.expect_end("frame"));
  if (payload.remaining() > kMaxFramePayload) {
    return Error(ErrorCode::kMalformed,
                 name + " frame payload exceeds " + std::to_string(kMaxFramePayload) + " bytes");
  }
  frame.payload = to_bytes(payload.read_rest());

  if (is_chunked_type(frame.type)) {
    if (frame.stream_id == 0) return Error(ErrorCode::kMalformed, name + " frame on stream 0");
    if (!frame.fin && frame.payload.empty()) {
      return Error(ErrorCode::kMalformed, name + " frame: only the last chunk may be empty");
    }
    return frame;
  }
  // Control frames are single chunks.
  if (!frame.fin || frame.chunk_index != 0) {
    return Error(ErrorCode::kMalformed, name + " frame must be a single chunk (FIN, index 0)");
  }
  bool on_stream_zero = frame.stream_id == 0;
  switch (frame.type) {
    case FrameType::kCancel:
      if (on_stream_zero || !frame.payload.empty()) {
        return Error(ErrorCode::kMalformed, "cancel frame needs a stream id and no payload");
      }
      break;
    case FrameType::kPing:
    case FrameType::kPong:
      if (!on_stream_zero || frame.payload.size() != kPingPayloadSize) {
        return Error(ErrorCode::kMalformed, name + " frame needs stream 0 and 8 payload bytes");
      }
      break;
    case FrameType::kError: CLOISTER_TRY(decode_error_payload(frame.payload)); break;
    default: break;
  }
  return frame;
}

Result<Bytes> encode_error_payload(const ErrorPayload& error) {
  if (error.reason.size() > kMaxReasonSize || !is_valid_utf8(as_bytes(error.reason))) {
    return Error(ErrorCode::kInvalidArgument, "error reason must be UTF-8, at most 1024 bytes");
  }
  ByteWriter out;
  out.put_u16be(error.code);
  out.put_string(error.reason);
  return out.take();
}

Result<ErrorPayload> decode_error_payload(ByteSpan payload) {
  ByteReader in(payload);
  ErrorPayload error;
  CLOISTER_ASSIGN_OR_RETURN(error.code, in.read_u16be("error code"));
  ByteSpan reason = in.read_rest();
  if (reason.size() > kMaxReasonSize || !is_valid_utf8(reason)) {
    return Error(ErrorCode::kMalformed, "error reason is not UTF-8 of at most 1024 bytes");
  }
  error.reason = to_string(reason);
  return error;
}

}  // namespace cloister::session
