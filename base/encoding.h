// Text encodings of bytes: hex and base64 (standard and URL-safe alphabets).
// Decoders are strict: they reject bad characters, odd lengths and bad padding.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"

namespace cloister {

// Returns lower-case hex, two characters per byte.
std::string hex_encode(ByteSpan data);
// Decodes hex (either case). Fails on odd length or a non-hex character.
Result<Bytes> hex_decode(std::string_view text);

// Returns RFC 4648 base64 with '=' padding.
std::string base64_encode(ByteSpan data);
// Decodes padded RFC 4648 base64. Fails on bad characters, bad padding or
// non-zero trailing bits (so every byte string has exactly one encoding).
Result<Bytes> base64_decode(std::string_view text);

// Returns RFC 4648 base64url without padding (as used in JWS and WebAuthn).
std::string base64url_encode(ByteSpan data);
// Decodes unpadded base64url.
Result<Bytes> base64url_decode(std::string_view text);

}  // namespace cloister
