#include "session/wire.h"

#include <string>

namespace cloister::session {

std::string_view wire_error_name(uint16_t code) {
  if (code >= kFirstApplicationError) return "application_error";
  switch (static_cast<WireError>(code)) {
    case WireError::kClosed: return "closed";
    case WireError::kProtocolError: return "protocol_error";
    case WireError::kUnsupportedVersion: return "unsupported_version";
    case WireError::kTooLarge: return "too_large";
    case WireError::kUnauthorized: return "unauthorized";
    case WireError::kCancelled: return "cancelled";
    case WireError::kInternal: return "internal";
    case WireError::kUnavailable: return "unavailable";
    case WireError::kTimeout: return "timeout";
  }
  return "reserved";
}

uint16_t wire_error_for(const Error& error) {
  WireError code = WireError::kInternal;
  switch (error.code()) {
    case ErrorCode::kMalformed:
    case ErrorCode::kRejected:
    case ErrorCode::kFailedPrecondition: code = WireError::kProtocolError; break;
    case ErrorCode::kUnsupported: code = WireError::kUnsupportedVersion; break;
    case ErrorCode::kResourceExhausted: code = WireError::kTooLarge; break;
    case ErrorCode::kPermissionDenied: code = WireError::kUnauthorized; break;
    case ErrorCode::kCancelled: code = WireError::kCancelled; break;
    case ErrorCode::kUnavailable: code = WireError::kUnavailable; break;
    case ErrorCode::kDeadlineExceeded: code = WireError::kTimeout; break;
    default: break;
  }
  return static_cast<uint16_t>(code);
}

Error error_from_wire(uint16_t code, std::string_view reason) {
  ErrorCode local = ErrorCode::kRejected;
  switch (static_cast<WireError>(code)) {
    case WireError::kClosed: local = ErrorCode::kUnavailable; break;
    case WireError::kProtocolError: local = ErrorCode::kMalformed; break;
    case WireError::kUnsupportedVersion: local = ErrorCode::kUnsupported; break;
    case WireError::kTooLarge: local = ErrorCode::kResourceExhausted; break;
    case WireError::kUnauthorized: local = ErrorCode::kPermissionDenied; break;
    case WireError::kCancelled: local = ErrorCode::kCancelled; break;
    case WireError::kInternal: local = ErrorCode::kInternal; break;
    case WireError::kUnavailable: local = ErrorCode::kUnavailable; break;
    case WireError::kTimeout: local = ErrorCode::kDeadlineExceeded; break;
  }
  return Error(local, "peer reported " + std::string(wire_error_name(code)) + " (" +
                          std::to_string(code) + ")" +
                          (reason.empty() ? std::string() : ": " + std::string(reason)));
}

bool is_valid_utf8(ByteSpan text) {
  size_t i = 0;
  while (i < text.size()) {
    uint8_t lead = text[i];
    size_t length = 0;
    uint32_t minimum = 0;
    uint32_t code_point = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2, minimum = 0x80, code_point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, minimum = 0x800, code_point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, minimum = 0x10000, code_point = lead & 0x07;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (size_t k = 1; k < length; ++k) {
      uint8_t next = text[i + k];
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point < minimum || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::string truncate_reason(std::string_view reason) {
  std::string_view cut = reason.substr(0, kMaxReasonSize);
  // Drop bytes from the end until what is left is whole UTF-8 (at most 3).
  while (!cut.empty() && !is_valid_utf8(as_bytes(cut))) cut.remove_suffix(1);
  return std::string(cut);
}

}  // namespace cloister::session
