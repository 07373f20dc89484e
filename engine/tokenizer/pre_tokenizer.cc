#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine/tokenizer/pre_tokenizer.h"

#include <pcre2.h>

namespace cloister::engine {
namespace {

// GPT-2 (tokenizer.json of gpt2): contractions, letters, digits, other
// symbols, each with an optional leading space, then white space.
constexpr std::string_view kGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Llama 3: case-insensitive contractions, digits in groups of up to three,
// and line breaks kept apart from other white space.
constexpr std::string_view kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Qwen2: as Llama 3, but every digit stands alone.
constexpr std::string_view kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// StarCoder, SmolLM, Refact: digits split one by one, then GPT-2's rules.
constexpr std::string_view kSingleDigits = R"(\p{N})";

}  // namespace

struct PreTokenizer::Pattern {
  pcre2_code* code = nullptr;
  ~Pattern() { pcre2_code_free(code); }
};

PreTokenizer::PreTokenizer(std::vector<std::unique_ptr<Pattern>> patterns)
    : patterns_(std::move(patterns)) {}
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;
PreTokenizer::~PreTokenizer() = default;

Result<PreTokenizer> PreTokenizer::for_name(std::string_view pre) {
  std::vector<std::string_view> sources;
  if (pre == "gpt-2" || pre == "default" || pre == "gpt2") {
    sources = {kGpt2};
  } else if (pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3" || pre == "smaug-bpe") {
    sources = {kLlama3};
  } else if (pre == "qwen2" || pre == "deepseek-r1-qwen") {
    sources = {kQwen2};
  } else if (pre == "smollm" || pre == "starcoder" || pre == "refact") {
    sources = {kSingleDigits, kGpt2};
  } else {
    return Error(ErrorCode::kUnsupported, "BPE pre-tokenizer '" + std::string(pre) +
                                              "' is not supported (gpt-2, llama-bpe, qwen2, "
                                              "smollm, starcoder and refact are)");
  }
  std::vector<std::unique_ptr<Pattern>> patterns;
  for (std::string_view source : sources) {
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    auto pattern = std::make_unique<Pattern>();
    pattern->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(),
                                  PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error_code,
                                  &error_offset, nullptr);
    if (pattern->code == nullptr) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(error_code, message, sizeof(message));
      return Error(ErrorCode::kInternal, "pre-tokenizer pattern does not compile: " +
                                             std::string(reinterpret_cast<char*>(message)));
    }
    // JIT is an optimization only; interpretation gives the same matches.
    pcre2_jit_compile(pattern->code, PCRE2_JIT_COMPLETE);
    patterns.push_back(std::move(pattern));
  }
  return PreTokenizer(std::move(patterns));
}

std::vector<std::string_view> PreTokenizer::split(std::string_view text) const {
  std::vector<std::string_view> pieces = {text};
  if (text.empty()) return {};
  for (const auto& pattern : patterns_) {
    pcre2_match_data* match = pcre2_match_data_create_from_pattern(pattern->code, nullptr);
    std::vector<std::string_view> next;
    for (std::string_view piece : pieces) {
      const auto* subject = reinterpret_cast<PCRE2_SPTR>(piece.data());
      size_t start = 0;
      while (start < piece.size()) {
        const int rc = pcre2_match(pattern->code, subject, piece.size(), start, 0, match, nullptr);
        if (rc < 0) break;  // no further match (or an error): the rest is one gap
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match);
        size_t begin = ovector[0];
        size_t end = ovector[1];
        if (end == begin) {
          // None of these patterns can match the empty string; guard anyway.
          end = begin + 1;
        }
        if (begin > start) next.push_back(piece.substr(start, begin - start));
        next.push_back(piece.substr(begin, end - begin));
        start = end;
      }
      if (start < piece.size()) next.push_back(piece.substr(start));
    }
    pcre2_match_data_free(match);
    pieces = std::move(next);
  }
  return pieces;
}

}  // namespace cloister::engine
