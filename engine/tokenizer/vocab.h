// A tokenizer vocabulary read from GGUF metadata (tokenizer.ggml.*): the token
// strings with their scores and types, the BPE merges, and the special tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "engine/gguf/gguf.h"
#include "engine/token.h"

namespace cloister::engine {

// GGUF's tokenizer.ggml.token_type values.
enum class TokenType : uint8_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

enum class TokenizerModel {
  kSentencePiece,     // tokenizer.ggml.model = "llama"
  kBytePairEncoding,  // tokenizer.ggml.model = "gpt2" (byte-level BPE)
};

struct TokenData {
  std::string text;
  float score = 0.0f;
  TokenType type = TokenType::kNormal;
};

class Vocab {
 public:
  // Reads the vocabulary of the model in `file`.
  static Result<Vocab> from_gguf(const GgufFile& file);

  TokenizerModel model() const { return model_; }
  // tokenizer.ggml.pre ("default" when absent).
  const std::string& pre() const { return pre_; }
  size_t size() const { return tokens_.size(); }
  bool contains(TokenId id) const { return id >= 0 && static_cast<size_t>(id) < tokens_.size(); }
  // Returns the token `id`, which must satisfy contains(id).
  const TokenData& token(TokenId id) const { return tokens_[static_cast<size_t>(id)]; }
  // Returns the id of the token whose text is exactly `text`.
  std::optional<TokenId> find(std::string_view text) const;

  // Returns the BPE merge rank of the pair (left, right); lower merges first.
  std::optional<int32_t> merge_rank(std::string_view left, std::string_view right) const;

  // Returns the token that stands for the raw byte `byte` (SentencePiece
  // "<0xXX>" tokens, or the byte-level character for BPE).
  std::optional<TokenId> byte_token(uint8_t byte) const;

  std::optional<TokenId> bos() const { return bos_; }
  std::optional<TokenId> eos() const { return eos_; }
  std::optional<TokenId> unknown() const { return unknown_; }
  bool add_bos() const { return add_bos_; }
  bool add_eos() const { return add_eos_; }
  bool add_space_prefix() const { return add_space_prefix_; }
  bool ignore_merges() const { return ignore_merges_; }

  // Returns true if generating `id` ends a turn (eos, eot, <|im_end|>, ...).
  bool is_end_of_generation(TokenId id) const;
  const std::vector<TokenId>& end_of_generation_tokens() const { return end_of_generation_; }

  // Tokens matched verbatim in text before tokenizing (control, user-defined
  // and unknown tokens), longest text first.
  const std::vector<TokenId>& special_tokens() const { return special_tokens_; }

 private:
  Status read_special_ids(const GgufFile& file);
  void index_special_tokens();

  TokenizerModel model_ = TokenizerModel::kSentencePiece;
  std::string pre_ = "default";
  std::vector<TokenData> tokens_;
  std::unordered_map<std::string, TokenId> ids_;
  std::unordered_map<std::string, int32_t> merge_ranks_;  // "left right" -> rank
  std::optional<TokenId> bos_;
  std::optional<TokenId> eos_;
  std::optional<TokenId> unknown_;
  std::vector<TokenId> end_of_generation_;
  std::vector<TokenId> special_tokens_;
  bool add_bos_ = false;
  bool add_eos_ = false;
  bool add_space_prefix_ = false;
  bool ignore_merges_ = false;
};

}  // namespace cloister::engine
