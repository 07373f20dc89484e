// Canonical JSON: RFC 8785 (JCS) restricted to integers. Release manifests are
// signed and hashed as bytes, so a manifest must have exactly one encoding:
// the parser accepts only text that is already canonical, and the serializer
// produces it. Numbers are integers within I-JSON's exact range; there are no
// floats, so JCS's number formatting rules reduce to plain decimal integers.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "base/bytes.h"

namespace cloister::tlog {

// The largest magnitude of an integer in canonical JSON: 2^53 - 1.
inline constexpr int64_t kMaxJsonInteger = (int64_t{1} << 53) - 1;
// The deepest nesting of objects and arrays accepted.
inline constexpr size_t kMaxJsonDepth = 16;

// Parses `text`, which must be canonical JSON: no insignificant whitespace,
// object keys in strictly ascending UTF-16 order (so no duplicates), strings
// in valid UTF-8 with only the escapes JCS requires, and integers in minimal
// form within +-kMaxJsonInteger. Anything else fails with kMalformed.
Result<nlohmann::json> parse_canonical_json(ByteSpan text);

// Returns the canonical serialization of `value`. Fails with kInvalidArgument
// on floating-point or binary values, integers out of range, invalid UTF-8,
// or nesting deeper than kMaxJsonDepth.
Result<std::string> canonical_json(const nlohmann::json& value);

// Returns true if `a` sorts before `b` by UTF-16 code units, JCS's key order.
// Both must be valid UTF-8.
bool utf16_less(std::string_view a, std::string_view b);

}  // namespace cloister::tlog
