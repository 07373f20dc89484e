// Byte-level BPE (GPT-2 style): each pre-tokenized word, already mapped to
// the byte-level alphabet, starts as single characters and repeatedly merges
// the adjacent pair with the lowest merge rank.
#pragma once

#include <string_view>
#include <vector>

#include "engine/tokenizer/vocab.h"

namespace cloister::engine {

// Appends the tokens of one byte-level-encoded word to `out`.
void bpe_tokenize_word(const Vocab& vocab, std::string_view word, std::vector<TokenId>& out);

}  // namespace cloister::engine
