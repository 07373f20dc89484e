// Choosing the next token from logits: penalties for repetition, then the
// truncations (top-k, top-p, min-p), then temperature and a seeded draw, in
// llama.cpp's default order. Temperature 0 means greedy (argmax after
// penalties). The same seed and inputs always give the same tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "engine/token.h"

namespace cloister::engine {

struct SamplingParams {
  float temperature = 0.8f;     // <= 0: greedy
  int32_t top_k = 40;           // keep the k most likely tokens; <= 0: off
  float top_p = 0.95f;          // keep the smallest set with this much probability; >= 1: off
  float min_p = 0.05f;          // drop tokens below min_p * p(best); <= 0: off
  float repeat_penalty = 1.0f;  // divide positive (multiply negative) logits of seen tokens; 1: off
  int32_t repeat_last_n = 64;   // how many recent tokens the penalties look at
  float frequency_penalty = 0.0f;  // subtract this times the token's count
  float presence_penalty = 0.0f;   // subtract this once if the token appeared
  std::optional<uint64_t> seed;    // unset: seeded from std::random_device
};

// Returns parameters for greedy decoding (temperature 0, no penalties).
SamplingParams greedy_sampling();

class Sampler {
 public:
  Sampler(const SamplingParams& params, size_t n_vocab);

  // Records that `token` is now part of the context (prompt or generated),
  // for the penalties.
  void accept(TokenId token);

  // Returns the next token. `logits` (n_vocab values) are modified in place.
  TokenId sample(std::span<float> logits);

 private:
  struct Candidate {
    TokenId id;
    float logit;
    float p;
  };

  void apply_penalties(std::span<float> logits);
  void softmax_candidates();
  // Puts the best `count` candidates first, in order (higher logit, then lower id).
  void sort_best_first(size_t count);
  // Makes every logit a candidate, in vocabulary order.
  void take_all(std::span<const float> logits);
  // Makes the candidates the best `k` (< logits.size()) of `logits`, best first.
  void take_top_k(std::span<const float> logits, size_t k);
  void keep_top_p();
  void keep_min_p();

  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<TokenId> recent_;  // ring buffer of the last repeat_last_n tokens
  size_t recent_next_ = 0;
  std::vector<uint32_t> counts_;  // scratch: occurrences of each token in recent_
  std::vector<Candidate> candidates_;
};

}  // namespace cloister::engine
