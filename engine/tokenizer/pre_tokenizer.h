// Byte-level BPE pre-tokenization: the regular expressions that split text
// into words before merges apply, chosen by tokenizer.ggml.pre. They are the
// Hugging Face tokenizer.json patterns, run by PCRE2 in UTF mode with Unicode
// properties (\p{L}, \p{N}, and \s as Unicode white space).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cloister::engine {

class PreTokenizer {
 public:
  // Returns the pre-tokenizer for `pre` (gpt-2, llama-bpe, qwen2, smollm,
  // starcoder, refact, ...), or kUnsupported naming it.
  static Result<PreTokenizer> for_name(std::string_view pre);

  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;
  ~PreTokenizer();

  // Splits `text` into consecutive pieces that together are exactly `text`.
  // Each pattern in turn splits every piece into its matches and the gaps
  // between them. Invalid UTF-8 never matches and so stays in the gaps.
  std::vector<std::string_view> split(std::string_view text) const;

 private:
  struct Pattern;
  explicit PreTokenizer(std::vector<std::unique_ptr<Pattern>> patterns);

  std::vector<std::unique_ptr<Pattern>> patterns_;
};

}  // namespace cloister::engine
