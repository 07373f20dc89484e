#include "engine/tokenizer/bpe.h"

#include <algorithm>
#include <queue>

#include "engine/tokenizer/unicode.h"

namespace cloister::engine {
namespace {

struct Symbol {
  int prev;
  int next;
  size_t offset;
  size_t length;  // 0 once merged into its left neighbour
};

struct Bigram {
  int left;
  int right;
  int32_t rank;
  size_t length;  // of the merged text; a stale entry no longer matches
};

// Lowest rank first; among equal ranks, the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

}  // namespace

void bpe_tokenize_word(const Vocab& vocab, std::string_view word, std::vector<TokenId>& out) {
  if (vocab.ignore_merges()) {
    if (std::optional<TokenId> whole = vocab.find(word)) {
      out.push_back(*whole);
      return;
    }
  }
  std::vector<Symbol> symbols;
  for (size_t offset = 0; offset < word.size();) {
    const size_t length = utf8_char_length(word, offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({index - 1, offset + length == word.size() ? -1 : index + 1, offset, length});
    offset += length;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol& a = symbols[left];
    const Symbol& b = symbols[right];
    std::optional<int32_t> rank =
        vocab.merge_rank(word.substr(a.offset, a.length), word.substr(b.offset, b.length));
    if (!rank) return;
    queue.push({left, right, *rank, a.length + b.length});
  };
  for (size_t i = 1; i < symbols.size(); ++i) try_add(static_cast<int>(i - 1), static_cast<int>(i));

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
    Symbol& left = symbols[bigram.left];
    Symbol& right = symbols[bigram.right];
    if (left.length == 0 || right.length == 0 || left.length + right.length != bigram.length) {
      continue;
    }
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = bigram.left;
    try_add(left.prev, bigram.left);
    try_add(bigram.left, left.next);
  }

  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
    const std::string_view piece = word.substr(symbols[i].offset, symbols[i].length);
    if (std::optional<TokenId> id = vocab.find(piece)) {
      out.push_back(*id);
      continue;
    }
    // A merge produced text the vocabulary lacks: fall back to single bytes.
    for (char c : piece) {
      if (std::optional<TokenId> id = vocab.find(std::string_view(&c, 1))) out.push_back(*id);
    }
  }
}

}  // namespace cloister::engine
