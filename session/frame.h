// Frames: the plaintext of every Noise transport message in a session
// (docs/protocol.md, "Framing"). A frame is a 12-byte header and a payload:
//   u8 type | u8 flags | u32be stream id | u32be chunk index | u16be length | payload
#pragma once

#include <string>

#include "session/wire.h"

namespace cloister::session {

enum class FrameType : uint8_t {
  kRequest = 1,        // client -> enclave, chunked
  kResponseStart = 2,  // enclave -> client, chunked
  kStreamDelta = 3,    // enclave -> client, chunked
  kResponseEnd = 4,    // enclave -> client, chunked
  kError = 5,          // stream error (enclave -> client) or, on stream 0, session error
  kCancel = 6,         // client -> enclave
  kPing = 7,           // either way, stream 0
  kPong = 8,           // either way, stream 0
};

inline constexpr uint8_t kFlagFin = 0x01;  // the last chunk of an application message

// Returns "request", "response-start", ... for messages.
std::string_view frame_type_name(FrameType type);

// Returns true for the types whose messages may span several frames.
bool is_chunked_type(FrameType type);

struct Frame {
  FrameType type = FrameType::kRequest;
  bool fin = true;
  StreamId stream_id = 0;
  uint32_t chunk_index = 0;
  Bytes payload;

  friend bool operator==(const Frame&, const Frame&) = default;
};

// Returns the encoded frame; fails with kInvalidArgument if the payload
// exceeds kMaxFramePayload.
Result<Bytes> encode_frame(const Frame& frame);

// Parses one frame. Checks the encoding and the per-type rules that need no
// session state (stream 0 only for ping/pong/session errors, single-frame
// control messages, payload sizes); fails with kMalformed otherwise.
Result<Frame> decode_frame(ByteSpan plaintext);

// The payload of an error frame: a code and a UTF-8 reason.
struct ErrorPayload {
  uint16_t code = 0;
  std::string reason;  // at most kMaxReasonSize bytes
};
Result<Bytes> encode_error_payload(const ErrorPayload& error);
Result<ErrorPayload> decode_error_payload(ByteSpan payload);

}  // namespace cloister::session
