// SentencePiece (BPE variant, as llama.cpp implements it): start from UTF-8
// characters, repeatedly merge the adjacent pair whose merged text is the
// highest-scoring token, and spell anything left outside the vocabulary as
// <0xXX> byte tokens.
#pragma once

#include <string_view>
#include <vector>

#include "engine/tokenizer/vocab.h"

namespace cloister::engine {

// Appends the tokens of `text` (spaces already escaped as U+2581) to `out`.
void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out);

}  // namespace cloister::engine
