#include "engine/tokenizer/tokenizer.h"

#include "engine/tokenizer/bpe.h"
#include "engine/tokenizer/spm.h"
#include "engine/tokenizer/unicode.h"

namespace cloister::engine {
namespace {

constexpr std::string_view kSpmSpace = "\xe2\x96\x81";  // U+2581, SentencePiece's visible space

std::string escape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    if (c == ' ') {
      out.append(kSpmSpace);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string unescape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.substr(i, kSpmSpace.size()) == kSpmSpace) {
      out.push_back(' ');
      i += kSpmSpace.size();
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

// Parses a SentencePiece byte token's text "<0xXX>".
std::optional<uint8_t> parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return std::nullopt;
  int value = 0;
  for (char c : text.substr(3, 2)) {
    value <<= 4;
    if (c >= '0' && c <= '9') {
      value |= c - '0';
    } else if (c >= 'A' && c <= 'F') {
      value |= c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      value |= c - 'a' + 10;
    } else {
      return std::nullopt;
    }
  }
  return static_cast<uint8_t>(value);
}

// A piece of the input: either text still to tokenize, or a special token.
struct Fragment {
  std::optional<TokenId> token;
  std::string_view text;
};

}  // namespace

Result<Tokenizer> Tokenizer::from_gguf(const GgufFile& file) {
  CLOISTER_ASSIGN_OR_RETURN(Vocab vocab, Vocab::from_gguf(file));
  std::optional<PreTokenizer> pre;
  if (vocab.model() == TokenizerModel::kBytePairEncoding) {
    CLOISTER_ASSIGN_OR_RETURN(PreTokenizer p, PreTokenizer::for_name(vocab.pre()));
    pre.emplace(std::move(p));
  }
  return Tokenizer(std::move(vocab), std::move(pre));
}

bool Tokenizer::is_special(TokenId id) const {
  if (!vocab_.contains(id)) return false;
  const TokenType type = vocab_.token(id).type;
  return type == TokenType::kControl || type == TokenType::kUserDefined ||
         type == TokenType::kUnknown;
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  std::vector<Fragment> fragments;
  if (!text.empty()) fragments.push_back({std::nullopt, text});
  for (TokenId id : vocab_.special_tokens()) {
    const TokenData& special = vocab_.token(id);
    if (!parse_special && special.type != TokenType::kUserDefined) continue;
    std::vector<Fragment> split;
    for (const Fragment& fragment : fragments) {
      if (fragment.token) {
        split.push_back(fragment);
        continue;
      }
      std::string_view rest = fragment.text;
      for (size_t at = rest.find(special.text); at != std::string_view::npos;
           at = rest.find(special.text)) {
        if (at > 0) split.push_back({std::nullopt, rest.substr(0, at)});
        split.push_back({id, {}});
        rest.remove_prefix(at + special.text.size());
      }
      if (!rest.empty()) split.push_back({std::nullopt, rest});
    }
    fragments = std::move(split);
  }

  std::vector<TokenId> out;
  if (add_special && vocab_.add_bos() && vocab_.bos()) out.push_back(*vocab_.bos());
  bool after_special = true;  // the start of the text counts as a boundary
  for (const Fragment& fragment : fragments) {
    if (fragment.token) {
      out.push_back(*fragment.token);
      after_special = true;
    } else {
      encode_text(fragment.text, after_special, out);
      after_special = false;
    }
  }
  if (add_special && vocab_.add_eos() && vocab_.eos()) out.push_back(*vocab_.eos());
  return out;
}

void Tokenizer::encode_text(std::string_view text, bool after_special,
                            std::vector<TokenId>& out) const {
  if (vocab_.model() == TokenizerModel::kSentencePiece) {
    std::string escaped;
    if (vocab_.add_space_prefix() && after_special) escaped.append(kSpmSpace);
    escaped += escape_spaces(text);
    spm_tokenize(vocab_, escaped, out);
    return;
  }
  for (std::string_view word : pre_->split(text)) {
    bpe_tokenize_word(vocab_, byte_level_encode(word), out);
  }
}

std::string Tokenizer::token_to_piece(TokenId id, bool render_special) const {
  if (!vocab_.contains(id)) return {};
  const TokenData& token = vocab_.token(id);
  switch (token.type) {
    case TokenType::kNormal:
      return vocab_.model() == TokenizerModel::kSentencePiece ? unescape_spaces(token.text)
                                                              : byte_level_decode(token.text);
    case TokenType::kUserDefined: return token.text;
    case TokenType::kByte: {
      if (vocab_.model() == TokenizerModel::kSentencePiece) {
        std::optional<uint8_t> byte = parse_byte_token(token.text);
        if (byte) return std::string(1, static_cast<char>(*byte));
      }
      return byte_level_decode(token.text);
    }
    case TokenType::kControl:
    case TokenType::kUnknown: return render_special ? token.text : std::string();
    case TokenType::kUndefined:
    case TokenType::kUnused: return {};
  }
  return {};
}

std::string Tokenizer::decode(std::span<const TokenId> tokens, bool render_special) const {
  TokenDecoder decoder(*this, render_special);
  std::string out;
  for (TokenId id : tokens) out += decoder.next(id);
  return out;
}

void TokenDecoder::set_previous(TokenId id) { at_text_start_ = tokenizer_->is_special(id); }

std::string TokenDecoder::next(TokenId id) {
  std::string piece = tokenizer_->token_to_piece(id, render_special_);
  const Vocab& vocab = tokenizer_->vocab();
  if (tokenizer_->is_special(id)) {
    at_text_start_ = true;
    return piece;
  }
  if (at_text_start_ && vocab.model() == TokenizerModel::kSentencePiece &&
      vocab.add_space_prefix() && vocab.contains(id) &&
      vocab.token(id).type == TokenType::kNormal && !piece.empty() && piece[0] == ' ') {
    piece.erase(0, 1);
  }
  at_text_start_ = false;
  return piece;
}

}  // namespace cloister::engine
