// libFuzzer target: tokenizing any bytes (prompts are untrusted) must not
// crash, and decoding must give the bytes back. Runs both tokenizer kinds on
// the fixture vocabularies: SentencePiece with byte fallback, and byte-level
// BPE with the qwen2 pre-tokenizer (PCRE2 on possibly invalid UTF-8).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/gguf/gguf.h"
#include "engine/testing/fixture_model.h"
#include "engine/tokenizer/tokenizer.h"

namespace {

using cloister::engine::Architecture;
using cloister::engine::GgufFile;
using cloister::engine::Tokenizer;

struct Fixture {
  explicit Fixture(Architecture architecture) {
    cloister::engine::fixtures::FixtureOptions options;
    options.architecture = architecture;
    options.n_layer = 1;
    bytes = cloister::engine::fixtures::build_fixture_model(options);
    tokenizer.emplace(std::move(Tokenizer::from_gguf(*GgufFile::parse(bytes))).value());
  }
  cloister::Bytes bytes;
  std::optional<Tokenizer> tokenizer;
};

void check_round_trip(const Tokenizer& tokenizer, std::string_view text, bool exact) {
  const std::vector<cloister::engine::TokenId> tokens = tokenizer.encode(text, false, false);
  if (exact && tokenizer.decode(tokens) != text) std::abort();
  // Parsing special tokens must not crash either (the text may spell them).
  (void)tokenizer.encode(text, true, true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Fixture spm(Architecture::kLlama);
  static const Fixture bpe(Architecture::kQwen2);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // SentencePiece writes spaces as U+2581 and so, by design, decodes a U+2581
  // in the input as a space; every other input must come back unchanged.
  const bool has_spm_space = text.find("\xe2\x96\x81") != std::string_view::npos;
  check_round_trip(*spm.tokenizer, text, !has_spm_space);
  check_round_trip(*bpe.tokenizer, text, true);
  return 0;
}
