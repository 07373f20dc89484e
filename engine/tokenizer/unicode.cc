#include "engine/tokenizer/unicode.h"

#include <array>

namespace cloister::engine {
namespace {

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for themselves;
// the other 68 bytes map, in order, to U+0100 onwards.
struct ByteLevelTables {
  std::array<uint32_t, 256> byte_to_cp{};
  std::array<int16_t, 324> cp_to_byte{};  // indexed by code point; -1 where unused

  ByteLevelTables() {
    cp_to_byte.fill(-1);
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
      byte_to_cp[b] = printable ? b : next++;
      cp_to_byte[byte_to_cp[b]] = static_cast<int16_t>(b);
    }
  }
};

const ByteLevelTables& tables() {
  static const ByteLevelTables kTables;
  return kTables;
}

// Decodes one UTF-8 sequence at the start of `text`; returns its code point
// and length, or nullopt if it is not well formed.
std::optional<std::pair<uint32_t, size_t>> decode_one(std::string_view text) {
  const auto lead = static_cast<uint8_t>(text[0]);
  const size_t length = utf8_sequence_length(lead);
  if (length == 1) {
    if (lead >= 0x80) return std::nullopt;
    return std::pair<uint32_t, size_t>{lead, 1};
  }
  if (text.size() < length) return std::nullopt;
  uint32_t cp = lead & (0xff >> (length + 1));
  for (size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<uint8_t>(text[i]);
    if ((byte & 0xc0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte & 0x3f);
  }
  return std::pair<uint32_t, size_t>{cp, length};
}

}  // namespace

size_t utf8_sequence_length(uint8_t lead) {
  static constexpr std::array<uint8_t, 16> kLengths = {1, 1, 1, 1, 1, 1, 1, 1,
                                                       1, 1, 1, 1, 2, 2, 3, 4};
  return kLengths[lead >> 4];
}

size_t utf8_char_length(std::string_view text, size_t offset) {
  const size_t claimed = utf8_sequence_length(static_cast<uint8_t>(text[offset]));
  if (claimed == 1 || offset + claimed > text.size()) return 1;
  for (size_t i = 1; i < claimed; ++i) {
    if ((static_cast<uint8_t>(text[offset + i]) & 0xc0) != 0x80) return 1;
  }
  return claimed;
}

size_t incomplete_utf8_tail(std::string_view text) {
  // A sequence is at most 4 bytes, so only the last 3 can start an incomplete one.
  for (size_t back = 1; back <= 3 && back <= text.size(); ++back) {
    const auto byte = static_cast<uint8_t>(text[text.size() - back]);
    if ((byte & 0xc0) == 0x80) continue;  // continuation byte: look further back
    if (byte < 0x80) return 0;
    return utf8_sequence_length(byte) > back ? back : 0;
  }
  return 0;
}

std::string encode_utf8(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
  return out;
}

std::string byte_level_char(uint8_t byte) { return encode_utf8(tables().byte_to_cp[byte]); }

std::string byte_level_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += encode_utf8(tables().byte_to_cp[static_cast<uint8_t>(c)]);
  return out;
}

std::string byte_level_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    std::optional<std::pair<uint32_t, size_t>> one = decode_one(text);
    if (!one) {  // not UTF-8: keep the byte as it is
      out.push_back(text[0]);
      text.remove_prefix(1);
      continue;
    }
    const auto [cp, length] = *one;
    if (cp < tables().cp_to_byte.size() && tables().cp_to_byte[cp] >= 0) {
      out.push_back(static_cast<char>(tables().cp_to_byte[cp]));
    } else {
      out.append(text.substr(0, length));
    }
    text.remove_prefix(length);
  }
  return out;
}

}  // namespace cloister::engine
