#include "engine/tokenizer/unicode.h"

#include <gtest/gtest.h>

#include "engine/tokenizer/pre_tokenizer.h"

namespace cloister::engine {
namespace {

TEST(ByteLevel, MapsBytesAsGpt2Does) {
  EXPECT_EQ(byte_level_char('A'), "A");
  EXPECT_EQ(byte_level_char(' '), "\xc4\xa0");   // U+0120 'Ġ'
  EXPECT_EQ(byte_level_char('\n'), "\xc4\x8a");  // U+010A 'Ċ'
  EXPECT_EQ(byte_level_char(0xad), "\xc5\x83");  // soft hyphen is not printable: U+0143
  for (int b = 0; b < 256; ++b) {
    const std::string byte(1, static_cast<char>(b));
    EXPECT_EQ(byte_level_decode(byte_level_encode(byte)), byte);
  }
}

TEST(Utf8, FindsIncompleteTails) {
  EXPECT_EQ(incomplete_utf8_tail("abc"), 0u);
  EXPECT_EQ(incomplete_utf8_tail("a\xc3"), 1u);
  EXPECT_EQ(incomplete_utf8_tail("a\xc3\xa9"), 0u);
  EXPECT_EQ(incomplete_utf8_tail("\xf0\x9f\xa6"), 3u);
  EXPECT_EQ(incomplete_utf8_tail("\xf0\x9f\xa6\x99"), 0u);
  EXPECT_EQ(encode_utf8(0x1f999), "\xf0\x9f\xa6\x99");
  EXPECT_EQ(utf8_char_length("\xc3\xa9x", 0), 2u);
  EXPECT_EQ(utf8_char_length("\xc3x", 0), 1u);     // a lead byte without its continuation
  EXPECT_EQ(utf8_char_length("\xf0\x9f", 0), 1u);  // truncated
  EXPECT_EQ(utf8_char_length("\x9f", 0), 1u);      // a stray continuation byte
}

std::vector<std::string> split(std::string_view pre, std::string_view text) {
  Result<PreTokenizer> tokenizer = PreTokenizer::for_name(pre);
  EXPECT_TRUE(tokenizer.ok());
  std::vector<std::string> out;
  for (std::string_view piece : tokenizer->split(text)) out.emplace_back(piece);
  return out;
}

TEST(PreTokenizer, SplitsAsEachModelFamilyDoes) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split("gpt-2", "Hello world's 1234!!"), (V{"Hello", " world", "'s", " 1234", "!!"}));
  EXPECT_EQ(split("llama-bpe", "I'VE 12345 a\n\nb"),
            (V{"I", "'VE", " ", "123", "45", " a", "\n\n", "b"}));
  EXPECT_EQ(split("qwen2", "x 123"), (V{"x", " ", "1", "2", "3"}));
  EXPECT_EQ(split("smollm", "ab 123"), (V{"ab", " ", "1", "2", "3"}));
  EXPECT_EQ(split("gpt-2", "Führer ½"), (V{"Führer", " ½"}));
  EXPECT_FALSE(PreTokenizer::for_name("unknown-pre").ok());
}

}  // namespace
}  // namespace cloister::engine
