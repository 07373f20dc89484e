// Text to token ids and back, for SentencePiece and byte-level BPE
// vocabularies, with special tokens recognized in text on request.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/gguf/gguf.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/vocab.h"

namespace cloister::engine {

class Tokenizer {
 public:
  // Reads the vocabulary of the model in `file` and prepares its tokenizer.
  static Result<Tokenizer> from_gguf(const GgufFile& file);

  const Vocab& vocab() const { return vocab_; }

  // Returns the tokens of `text`. With `add_special`, adds BOS/EOS as the
  // vocabulary asks (tokenizer.ggml.add_bos_token / add_eos_token). With
  // `parse_special`, control tokens written in the text (e.g. "<|im_end|>")
  // become those tokens; user-defined tokens always do.
  std::vector<TokenId> encode(std::string_view text, bool add_special, bool parse_special) const;

  // Returns the bytes that token `id` stands for. Control tokens give their
  // text with `render_special`, and nothing otherwise.
  std::string token_to_piece(TokenId id, bool render_special) const;

  // Returns the text of `tokens`: the inverse of encode (for SentencePiece it
  // also removes the space that encode adds at the start of text).
  std::string decode(std::span<const TokenId> tokens, bool render_special = false) const;

  // Returns true if `id` is a special token (control, user-defined or unknown).
  bool is_special(TokenId id) const;

 private:
  Tokenizer(Vocab vocab, std::optional<PreTokenizer> pre)
      : vocab_(std::move(vocab)), pre_(std::move(pre)) {}

  void encode_text(std::string_view text, bool after_special, std::vector<TokenId>& out) const;

  Vocab vocab_;
  std::optional<PreTokenizer> pre_;  // BPE only
};

// Turns a stream of tokens into text pieces, applying the same leading-space
// rule as Tokenizer::decode one token at a time.
class TokenDecoder {
 public:
  explicit TokenDecoder(const Tokenizer& tokenizer, bool render_special = false)
      : tokenizer_(&tokenizer), render_special_(render_special) {}

  // Says that `id` came before the tokens to be decoded (e.g. the prompt's last).
  void set_previous(TokenId id);
  // Returns the text that `id` adds.
  std::string next(TokenId id);

 private:
  const Tokenizer* tokenizer_;
  bool render_special_;
  bool at_text_start_ = true;
};

}  // namespace cloister::engine
