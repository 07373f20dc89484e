// Strict UTF-8 decoding for the text formats the log reads from untrusted
// sources (signed notes, canonical JSON). Private to tlog.
#pragma once

#include <string_view>

#include "base/bytes.h"

namespace cloister::tlog {

// Reads one Unicode scalar value from `reader`. Fails (kMalformed, naming
// `what`) on truncated, overlong or surrogate encodings and on values above
// U+10FFFF, consuming nothing.
Result<char32_t> read_utf8_char(ByteReader& reader, std::string_view what);

// Returns true if `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

// Returns true if `c` is a Unicode space (the White_Space property).
bool is_unicode_space(char32_t c);

}  // namespace cloister::tlog
