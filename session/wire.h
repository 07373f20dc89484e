// Constants of Cloister's session protocol (docs/protocol.md): the Noise
// suite and prologue, protocol versions, wire error codes and the limits
// every receiver enforces.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "noise/protocol.h"

namespace cloister::session {

inline constexpr std::string_view kNoiseProtocolName = "Noise_XX_25519_AESGCM_SHA256";
// Fixed across versions, so that version negotiation in message 1 always runs.
inline constexpr std::string_view kPrologue = "cloister/session";

inline constexpr uint16_t kVersion1 = 1;
inline constexpr std::array<uint16_t, 1> kSupportedVersions = {kVersion1};
inline constexpr size_t kMaxOfferedVersions = 16;

inline constexpr size_t kNonceSize = 32;
using Nonce = std::array<uint8_t, kNonceSize>;
using StreamId = uint32_t;

// Handshake payload bounds.
inline constexpr size_t kMaxAuthorizationTokenSize = 4096;
inline constexpr size_t kMaxReasonSize = 1024;  // error and rejection texts

// Transport framing: every transport message carries exactly one frame.
inline constexpr size_t kFrameHeaderSize = 12;
inline constexpr size_t kMaxFramePayload =
    noise::kMaxMessageSize - noise::kTagSize - kFrameHeaderSize;  // 65507
inline constexpr size_t kPingPayloadSize = 8;
// Each direction's cipher is rekeyed after every this many transport messages.
inline constexpr uint64_t kRekeyInterval = 65536;

// Limits a receiver enforces; a peer that exceeds one loses the session.
// The defaults are the protocol's: every implementation must accept at least
// these, and senders must stay within them.
struct Limits {
  size_t max_message_size = size_t{16} << 20;    // one reassembled application message
  uint32_t max_chunks_per_message = 1024;        // frames in one application message
  uint32_t max_concurrent_streams = 64;          // open requests per session
  size_t max_buffered_bytes = size_t{32} << 20;  // partial messages across all streams
  uint32_t max_outstanding_pings = 4;            // pings sent and not yet answered
  size_t chunk_size = kMaxFramePayload;          // payload per frame when this side sends
  std::chrono::nanoseconds handshake_timeout = std::chrono::seconds(30);
  // A protocol constant; only tests change it, on both sides at once.
  uint64_t rekey_interval = kRekeyInterval;
};

// Error codes on the wire (error frames and handshake rejections).
// 0x0100 and above are for the application (e.g. the chat API).
enum class WireError : uint16_t {
  kClosed = 0,  // normal end of session, not an error
  kProtocolError = 1,
  kUnsupportedVersion = 2,
  kTooLarge = 3,
  kUnauthorized = 4,
  kCancelled = 5,
  kInternal = 6,
  kUnavailable = 7,
  kTimeout = 8,
};
inline constexpr uint16_t kFirstApplicationError = 0x0100;

// Returns a stable name such as "protocol_error", or "application_error".
std::string_view wire_error_name(uint16_t code);

// Returns the wire code that reports a local `error` to the peer.
uint16_t wire_error_for(const Error& error);

// Returns the local error for a code and reason received from the peer.
Error error_from_wire(uint16_t code, std::string_view reason);

// Returns true if `text` is well-formed UTF-8 (no overlongs, surrogates or
// code points past U+10FFFF). Reason texts on the wire must be.
bool is_valid_utf8(ByteSpan text);

// Returns `reason` cut to at most kMaxReasonSize bytes of valid UTF-8, so that
// any local error message can go on the wire.
std::string truncate_reason(std::string_view reason);

}  // namespace cloister::session
