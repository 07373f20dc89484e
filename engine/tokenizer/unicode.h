// The small amount of Unicode the tokenizers need: UTF-8 sequence lengths and
// GPT-2's byte-level alphabet, which maps each byte to a printable character
// so that BPE can work on arbitrary bytes as text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cloister::engine {

// Returns how many bytes the UTF-8 sequence led by `lead` claims (1 to 4); a
// stray continuation byte counts as a sequence of 1.
size_t utf8_sequence_length(uint8_t lead);

// Returns the length of the character at text[offset]: its UTF-8 sequence
// length if that many well-formed bytes follow, and 1 otherwise (so that an
// invalid byte stands alone and never swallows its neighbours).
size_t utf8_char_length(std::string_view text, size_t offset);

// Returns how many trailing bytes of `text` are the start of a UTF-8 sequence
// that is not complete yet (0 if the text ends on a sequence boundary).
size_t incomplete_utf8_tail(std::string_view text);

// Returns the UTF-8 encoding of code point `cp` (< 0x110000).
std::string encode_utf8(uint32_t cp);

// Returns each byte of `bytes` as its GPT-2 byte-level character, concatenated.
std::string byte_level_encode(std::string_view bytes);

// Inverts byte_level_encode. Characters outside the byte-level alphabet
// (which a vocabulary may contain) are kept as their UTF-8 bytes.
std::string byte_level_decode(std::string_view text);

// Returns the byte-level character (UTF-8) that stands for `byte`.
std::string byte_level_char(uint8_t byte);

}  // namespace cloister::engine
