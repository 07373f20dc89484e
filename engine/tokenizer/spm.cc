#include "engine/tokenizer/spm.h"

#include <algorithm>
#include <queue>

#include "engine/tokenizer/unicode.h"

namespace cloister::engine {
namespace {

struct Symbol {
  int prev;
  int next;
  size_t offset;  // into the text
  size_t length;  // 0 once merged into its left neighbour
};

struct Bigram {
  int left;
  int right;
  float score;
  size_t length;  // of the merged text; a stale entry no longer matches
};

// Highest score first; among equal scores, the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<TokenId>& out) {
  std::vector<Symbol> symbols;
  for (size_t offset = 0; offset < text.size();) {
    const size_t length = utf8_char_length(text, offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({index - 1, offset + length == text.size() ? -1 : index + 1, offset, length});
    offset += length;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const std::string_view merged =
        text.substr(symbols[left].offset, symbols[left].length + symbols[right].length);
    std::optional<TokenId> id = vocab.find(merged);
    if (!id) return;
    queue.push({left, right, vocab.token(*id).score, merged.size()});
  };
  for (size_t i = 1; i < symbols.size(); ++i) try_add(static_cast<int>(i - 1), static_cast<int>(i));

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
    Symbol& left = symbols[bigram.left];
    Symbol& right = symbols[bigram.right];
    if (left.length == 0 || right.length == 0 || left.length + right.length != bigram.length) {
      continue;  // one side was merged elsewhere since this pair was queued
    }
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = bigram.left;
    try_add(left.prev, bigram.left);
    try_add(bigram.left, left.next);
  }

  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
    const std::string_view piece = text.substr(symbols[i].offset, symbols[i].length);
    if (std::optional<TokenId> id = vocab.find(piece)) {
      out.push_back(*id);
      continue;
    }
    for (char c : piece) {
      std::optional<TokenId> byte = vocab.byte_token(static_cast<uint8_t>(c));
      if (byte) {
        out.push_back(*byte);
      } else if (vocab.unknown()) {
        out.push_back(*vocab.unknown());
      }
    }
  }
}

}  // namespace cloister::engine
