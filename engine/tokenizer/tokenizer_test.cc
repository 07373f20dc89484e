// The tokenizers against llama.cpp's tokenizer test pairs (computed with
// Hugging Face `tokenizers`): every case of each .inp file must give exactly
// the ids on the matching line of the .out file, and decode back to the input.
#include "engine/tokenizer/tokenizer.h"

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "testing/test_data.h"

namespace cloister::engine {
namespace {

std::vector<std::string> split_cases(const std::string& text) {
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<std::string> cases;
  size_t start = 0;
  for (size_t at = text.find(separator); at != std::string::npos;
       at = text.find(separator, start)) {
    cases.push_back(text.substr(start, at - start));
    start = at + separator.size();
  }
  if (start < text.size()) cases.push_back(text.substr(start));
  return cases;
}

std::vector<std::vector<TokenId>> parse_expected(const std::string& text) {
  std::vector<std::vector<TokenId>> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    std::istringstream ids(line);
    std::vector<TokenId> tokens;
    for (TokenId id = 0; ids >> id;) tokens.push_back(id);
    lines.push_back(tokens);
  }
  return lines;
}

std::string to_text(const Bytes& bytes) { return {bytes.begin(), bytes.end()}; }

class VocabularyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VocabularyTest, ReproducesEveryLlamaCppTestCaseAndDecodesBack) {
  const std::string name = GetParam();
  CLOISTER_TEST_DATA(vocab_path, "vocab/" + name);
  CLOISTER_TEST_DATA(inp_path, "vocab/" + name + ".inp");
  CLOISTER_TEST_DATA(out_path, "vocab/" + name + ".out");
  Result<GgufFile> file = GgufFile::open(vocab_path);
  ASSERT_TRUE(file.ok()) << file.error().message();
  Result<Tokenizer> tokenizer = Tokenizer::from_gguf(*file);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.error().message();

  std::vector<std::string> cases = split_cases(to_text(testing::read_test_file(inp_path)));
  std::vector<std::vector<TokenId>> expected =
      parse_expected(to_text(testing::read_test_file(out_path)));
  // The files hold 46 cases (46 separators, 46 lines of ids).
  ASSERT_EQ(cases.size(), 46u);
  ASSERT_EQ(expected.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    std::vector<TokenId> tokens = tokenizer->encode(cases[i], false, false);
    EXPECT_EQ(tokens, expected[i]) << name << " case " << i << ": '" << cases[i] << "'";
    EXPECT_EQ(tokenizer->decode(tokens), cases[i]) << name << " case " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(LlamaCppVocabularies, VocabularyTest,
                         ::testing::Values("ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf",
                                           "ggml-vocab-qwen2.gguf"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string id = param_info.param.substr(11);  // after "ggml-vocab-"
                           id = id.substr(0, id.find('.'));
                           for (char& c : id) {
                             if (c == '-') c = '_';
                           }
                           return id;
                         });

Tokenizer load(const std::string& relative) {
  Result<GgufFile> file = GgufFile::open(*testing::locate_test_data(relative));
  EXPECT_TRUE(file.ok());
  Result<Tokenizer> tokenizer = Tokenizer::from_gguf(*file);
  EXPECT_TRUE(tokenizer.ok());
  return std::move(tokenizer).value();
}

TEST(SentencePiece, AddsBosAndParsesControlTokensOnlyWhenAsked) {
  CLOISTER_TEST_DATA(path, "vocab/ggml-vocab-llama-spm.gguf");
  Tokenizer tokenizer = load("vocab/ggml-vocab-llama-spm.gguf");
  std::vector<TokenId> plain = tokenizer.encode("Hello world", false, false);
  std::vector<TokenId> with_bos = tokenizer.encode("Hello world", true, false);
  ASSERT_EQ(with_bos.size(), plain.size() + 1);
  EXPECT_EQ(with_bos[0], 1);
  // "</s>" as text is spelled out unless special tokens are parsed.
  std::vector<TokenId> literal = tokenizer.encode("a</s>", false, false);
  EXPECT_EQ(std::count(literal.begin(), literal.end(), 2), 0);
  std::vector<TokenId> parsed = tokenizer.encode("a</s>b", false, true);
  ASSERT_EQ(std::count(parsed.begin(), parsed.end(), 2), 1);
  EXPECT_EQ(tokenizer.decode(parsed, true), "a</s>b");
  EXPECT_EQ(tokenizer.decode(parsed, false), "ab");
  EXPECT_TRUE(tokenizer.vocab().is_end_of_generation(2));
}

TEST(SentencePiece, FallsBackToBytesForUnknownCharacters) {
  CLOISTER_TEST_DATA(path, "vocab/ggml-vocab-llama-spm.gguf");
  Tokenizer tokenizer = load("vocab/ggml-vocab-llama-spm.gguf");
  const std::string text = "\xf0\x9f\xa6\x99";  // a llama emoji, not in the vocabulary
  std::vector<TokenId> tokens = tokenizer.encode(text, false, false);
  // "▁" then the four UTF-8 bytes as <0xF0> <0x9F> <0xA6> <0x99> (ids 3 + byte).
  EXPECT_EQ(tokens, (std::vector<TokenId>{29871, 3 + 0xf0, 3 + 0x9f, 3 + 0xa6, 3 + 0x99}));
  EXPECT_EQ(tokenizer.decode(tokens), text);
}

TEST(BytePairEncoding, ParsesChatMlControlTokens) {
  CLOISTER_TEST_DATA(path, "vocab/ggml-vocab-qwen2.gguf");
  Tokenizer tokenizer = load("vocab/ggml-vocab-qwen2.gguf");
  std::vector<TokenId> tokens = tokenizer.encode("<|im_start|>user\nHi<|im_end|>\n", false, true);
  ASSERT_GE(tokens.size(), 4u);
  EXPECT_EQ(tokens.front(), 151644);
  EXPECT_EQ(std::count(tokens.begin(), tokens.end(), 151645), 1);
  EXPECT_EQ(tokenizer.decode(tokens, true), "<|im_start|>user\nHi<|im_end|>\n");
  EXPECT_TRUE(tokenizer.vocab().is_end_of_generation(151645));
  EXPECT_TRUE(tokenizer.vocab().is_end_of_generation(151643));
  EXPECT_FALSE(tokenizer.vocab().add_bos());
  // Without parse_special the markers are ordinary text.
  std::vector<TokenId> literal = tokenizer.encode("<|im_end|>", false, false);
  EXPECT_EQ(std::count(literal.begin(), literal.end(), 151645), 0);
  EXPECT_EQ(tokenizer.decode(literal), "<|im_end|>");
}

TEST(BytePairEncoding, KeepsInvalidUtf8AsBytes) {
  CLOISTER_TEST_DATA(path, "vocab/ggml-vocab-gpt-2.gguf");
  Tokenizer tokenizer = load("vocab/ggml-vocab-gpt-2.gguf");
  const std::string text = "ok \xff\xfe bad \xc3";
  std::vector<TokenId> tokens = tokenizer.encode(text, false, false);
  EXPECT_FALSE(tokens.empty());
  EXPECT_EQ(tokenizer.decode(tokens), text);
}

TEST(SentencePiece, RoundTripsInvalidUtf8) {
  CLOISTER_TEST_DATA(path, "vocab/ggml-vocab-llama-spm.gguf");
  Tokenizer tokenizer = load("vocab/ggml-vocab-llama-spm.gguf");
  // A lead byte followed by a space must not swallow the escaped space.
  const std::string text = "ok \xff\xfe\xc3 \t end \x9f";
  EXPECT_EQ(tokenizer.decode(tokenizer.encode(text, false, false)), text);
}

TEST(TokenDecoder, StreamsTheSameTextAsDecode) {
  CLOISTER_TEST_DATA(path, "vocab/ggml-vocab-llama-spm.gguf");
  Tokenizer tokenizer = load("vocab/ggml-vocab-llama-spm.gguf");
  std::vector<TokenId> tokens = tokenizer.encode(" Hello\n  world, ½ 🦙", true, false);
  TokenDecoder decoder(tokenizer);
  std::string streamed;
  for (TokenId id : tokens) streamed += decoder.next(id);
  EXPECT_EQ(streamed, tokenizer.decode(tokens));
  EXPECT_EQ(streamed, " Hello\n  world, ½ 🦙");
}

}  // namespace
}  // namespace cloister::engine
