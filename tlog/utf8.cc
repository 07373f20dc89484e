#include "tlog/utf8.h"

namespace cloister::tlog {

Result<char32_t> read_utf8_char(ByteReader& reader, std::string_view what) {
  ByteReader attempt = reader;
  CLOISTER_ASSIGN_OR_RETURN(uint8_t lead, attempt.read_u8(what));
  if (lead < 0x80) {
    reader = attempt;
    return static_cast<char32_t>(lead);
  }
  size_t continuation = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if ((lead & 0xe0) == 0xc0) {
    continuation = 1;
    value = lead & 0x1f;
    minimum = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    continuation = 2;
    value = lead & 0x0f;
    minimum = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    continuation = 3;
    value = lead & 0x07;
    minimum = 0x10000;
  } else {
    return reader.malformed(what, "invalid UTF-8 lead byte");
  }
  for (size_t i = 0; i < continuation; ++i) {
    auto next = attempt.read_u8(what);
    if (!next.ok() || (*next & 0xc0) != 0x80) {
      return reader.malformed(what, "truncated UTF-8 sequence");
    }
    value = (value << 6) | (*next & 0x3f);
  }
  if (value < minimum) return reader.malformed(what, "overlong UTF-8 encoding");
  if (value > 0x10ffff) return reader.malformed(what, "UTF-8 value above U+10FFFF");
  if (value >= 0xd800 && value <= 0xdfff) return reader.malformed(what, "UTF-8 surrogate");
  reader = attempt;
  return value;
}

bool is_valid_utf8(std::string_view text) {
  ByteReader reader(as_bytes(text));
  while (!reader.empty()) {
    if (!read_utf8_char(reader, "text").ok()) return false;
  }
  return true;
}

bool is_unicode_space(char32_t c) {
  if ((c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680) {
    return true;
  }
  if (c >= 0x2000 && c <= 0x200a) return true;
  return c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

}  // namespace cloister::tlog
