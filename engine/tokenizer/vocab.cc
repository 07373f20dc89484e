#include "engine/tokenizer/vocab.h"

#include <algorithm>
#include <cmath>

#include "engine/tokenizer/unicode.h"

namespace cloister::engine {
namespace {

constexpr size_t kMaxVocab = size_t{1} << 22;

Error malformed(std::string message) { return Error(ErrorCode::kMalformed, std::move(message)); }

std::string merge_key(std::string_view left, std::string_view right) {
  std::string key;
  key.reserve(left.size() + right.size() + 1);
  key.append(left);
  key.push_back(' ');
  key.append(right);
  return key;
}

// Texts of tokens that end a turn in the chat formats we know, as llama.cpp
// recognizes them when the metadata does not say.
constexpr std::string_view kEndOfTurnTexts[] = {"<|eot_id|>",    "<|im_end|>",     "<|end|>",
                                                "<|endoftext|>", "<end_of_turn>",  "<|eom_id|>",
                                                "</s>",          "<|end_of_text|>"};

}  // namespace

Result<Vocab> Vocab::from_gguf(const GgufFile& file) {
  Vocab vocab;
  CLOISTER_ASSIGN_OR_RETURN(std::string_view model, file.get_string("tokenizer.ggml.model"));
  if (model == "llama") {
    vocab.model_ = TokenizerModel::kSentencePiece;
  } else if (model == "gpt2") {
    vocab.model_ = TokenizerModel::kBytePairEncoding;
  } else {
    return Error(ErrorCode::kUnsupported, "tokenizer model '" + std::string(model) +
                                              "' is not supported (llama and gpt2 are)");
  }
  CLOISTER_ASSIGN_OR_RETURN(std::string_view pre,
                            file.get_string_or("tokenizer.ggml.pre", "default"));
  vocab.pre_ = std::string(pre);

  const GgufValue* tokens = file.find("tokenizer.ggml.tokens");
  if (tokens == nullptr || tokens->element_type() != GgufValueType::kString ||
      !tokens->is_array()) {
    return malformed("tokenizer.ggml.tokens is missing or not an array of strings");
  }
  const size_t n = tokens->strings().size();
  if (n == 0 || n > kMaxVocab)
    return malformed("tokenizer.ggml.tokens has " + std::to_string(n) + " entries");

  std::vector<double> scores;
  if (const GgufValue* value = file.find("tokenizer.ggml.scores"); value != nullptr) {
    std::optional<std::vector<double>> numbers = value->numbers();
    if (!numbers || numbers->size() != n) {
      return malformed("tokenizer.ggml.scores does not hold one number per token");
    }
    scores = std::move(*numbers);
  }
  std::vector<double> types;
  if (const GgufValue* value = file.find("tokenizer.ggml.token_type"); value != nullptr) {
    std::optional<std::vector<double>> numbers = value->numbers();
    if (!numbers || numbers->size() != n) {
      return malformed("tokenizer.ggml.token_type does not hold one type per token");
    }
    types = std::move(*numbers);
  }

  vocab.tokens_.resize(n);
  vocab.ids_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    TokenData& token = vocab.tokens_[i];
    token.text = std::string(tokens->strings()[i]);
    if (!scores.empty()) {
      token.score = static_cast<float>(scores[i]);
      if (!std::isfinite(token.score)) token.score = -1e30f;
    }
    if (!types.empty()) {
      const double type = types[i];
      if (!(type >= 0 && type <= 6) || type != std::floor(type)) {
        return malformed("token " + std::to_string(i) + " has an unknown type");
      }
      token.type = static_cast<TokenType>(static_cast<int>(type));
    }
    // Keep the first id of a duplicated text, as llama.cpp does.
    vocab.ids_.emplace(token.text, static_cast<TokenId>(i));
  }

  if (vocab.model_ == TokenizerModel::kBytePairEncoding) {
    const GgufValue* merges = file.find("tokenizer.ggml.merges");
    if (merges == nullptr || merges->element_type() != GgufValueType::kString) {
      return malformed("a BPE vocabulary needs tokenizer.ggml.merges (an array of strings)");
    }
    vocab.merge_ranks_.reserve(merges->strings().size());
    for (size_t i = 0; i < merges->strings().size(); ++i) {
      std::string_view merge = merges->strings()[i];
      const size_t space = merge.find(' ', 1);
      if (space == std::string_view::npos) {
        return malformed("BPE merge " + std::to_string(i) + " has no space separating its halves");
      }
      vocab.merge_ranks_.emplace(std::string(merge), static_cast<int32_t>(i));
    }
  }

  const bool spm = vocab.model_ == TokenizerModel::kSentencePiece;
  const bool llama3 =
      vocab.pre_ == "llama-bpe" || vocab.pre_ == "llama3" || vocab.pre_ == "llama-v3";
  vocab.ignore_merges_ = llama3;
  CLOISTER_ASSIGN_OR_RETURN(vocab.add_bos_,
                            file.get_bool_or("tokenizer.ggml.add_bos_token", spm || llama3));
  CLOISTER_ASSIGN_OR_RETURN(vocab.add_eos_,
                            file.get_bool_or("tokenizer.ggml.add_eos_token", false));
  CLOISTER_ASSIGN_OR_RETURN(vocab.add_space_prefix_,
                            file.get_bool_or("tokenizer.ggml.add_space_prefix", spm));
  CLOISTER_TRY(vocab.read_special_ids(file));
  vocab.index_special_tokens();
  return vocab;
}

Status Vocab::read_special_ids(const GgufFile& file) {
  auto read_id = [&](std::string_view key) -> Result<std::optional<TokenId>> {
    const GgufValue* value = file.find(key);
    if (value == nullptr) return std::optional<TokenId>{};
    std::optional<int64_t> id = value->as_int();
    if (!id) return malformed(std::string(key) + " is not an integer");
    // -1 (often stored as uint32 0xffffffff) means "none".
    if (*id < 0 || *id == 0xffffffff) return std::optional<TokenId>{};
    if (!contains(static_cast<TokenId>(*id)) || *id >= static_cast<int64_t>(tokens_.size())) {
      return malformed(std::string(key) + " = " + std::to_string(*id) +
                       " is outside the vocabulary");
    }
    return std::optional<TokenId>(static_cast<TokenId>(*id));
  };
  CLOISTER_ASSIGN_OR_RETURN(bos_, read_id("tokenizer.ggml.bos_token_id"));
  CLOISTER_ASSIGN_OR_RETURN(eos_, read_id("tokenizer.ggml.eos_token_id"));
  CLOISTER_ASSIGN_OR_RETURN(unknown_, read_id("tokenizer.ggml.unknown_token_id"));
  CLOISTER_ASSIGN_OR_RETURN(std::optional<TokenId> eot, read_id("tokenizer.ggml.eot_token_id"));
  CLOISTER_ASSIGN_OR_RETURN(std::optional<TokenId> eom, read_id("tokenizer.ggml.eom_token_id"));
  if (model_ == TokenizerModel::kSentencePiece) {
    if (!bos_ && contains(1)) bos_ = 1;
    if (!eos_ && contains(2)) eos_ = 2;
    if (!unknown_ && tokens_[0].type == TokenType::kUnknown) unknown_ = 0;
  }
  for (std::optional<TokenId> id : {eos_, eot, eom}) {
    if (id) end_of_generation_.push_back(*id);
  }
  for (std::string_view text : kEndOfTurnTexts) {
    std::optional<TokenId> id = find(text);
    if (id &&
        (token(*id).type == TokenType::kControl || token(*id).type == TokenType::kUserDefined)) {
      end_of_generation_.push_back(*id);
    }
  }
  std::sort(end_of_generation_.begin(), end_of_generation_.end());
  end_of_generation_.erase(std::unique(end_of_generation_.begin(), end_of_generation_.end()),
                           end_of_generation_.end());
  return ok_status();
}

void Vocab::index_special_tokens() {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const TokenData& token = tokens_[i];
    const bool special = token.type == TokenType::kControl ||
                         token.type == TokenType::kUserDefined || token.type == TokenType::kUnknown;
    if (special && !token.text.empty()) special_tokens_.push_back(static_cast<TokenId>(i));
  }
  std::stable_sort(special_tokens_.begin(), special_tokens_.end(), [&](TokenId a, TokenId b) {
    return token(a).text.size() > token(b).text.size();
  });
}

std::optional<TokenId> Vocab::find(std::string_view text) const {
  auto it = ids_.find(std::string(text));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::optional<int32_t> Vocab::merge_rank(std::string_view left, std::string_view right) const {
  auto it = merge_ranks_.find(merge_key(left, right));
  if (it == merge_ranks_.end()) return std::nullopt;
  return it->second;
}

std::optional<TokenId> Vocab::byte_token(uint8_t byte) const {
  if (model_ == TokenizerModel::kSentencePiece) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const std::string text = {'<', '0', 'x', kHex[byte >> 4], kHex[byte & 15], '>'};
    return find(text);
  }
  return find(byte_level_char(byte));
}

bool Vocab::is_end_of_generation(TokenId id) const {
  return std::binary_search(end_of_generation_.begin(), end_of_generation_.end(), id);
}

}  // namespace cloister::engine
