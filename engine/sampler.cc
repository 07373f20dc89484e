#include "engine/sampler.h"

#include <algorithm>
#include <cmath>

namespace cloister::engine {

SamplingParams greedy_sampling() {
  SamplingParams params;
  params.temperature = 0.0f;
  params.top_k = 0;
  params.top_p = 1.0f;
  params.min_p = 0.0f;
  params.seed = 0;
  return params;
}

Sampler::Sampler(const SamplingParams& params, size_t n_vocab)
    : params_(params),
      rng_(params.seed ? *params.seed : std::random_device{}()),
      counts_(n_vocab, 0) {
  candidates_.reserve(n_vocab);
  if (params_.repeat_last_n > 0) recent_.reserve(static_cast<size_t>(params_.repeat_last_n));
}

void Sampler::accept(TokenId token) {
  if (params_.repeat_last_n <= 0) return;
  const auto window = static_cast<size_t>(params_.repeat_last_n);
  if (recent_.size() < window) {
    recent_.push_back(token);
  } else {
    recent_[recent_next_] = token;
    recent_next_ = (recent_next_ + 1) % window;
  }
}

void Sampler::apply_penalties(std::span<float> logits) {
  const bool active = params_.repeat_penalty != 1.0f || params_.frequency_penalty != 0.0f ||
                      params_.presence_penalty != 0.0f;
  if (!active || recent_.empty()) return;
  for (TokenId token : recent_) {
    if (token >= 0 && static_cast<size_t>(token) < counts_.size()) ++counts_[token];
  }
  for (TokenId token : recent_) {
    if (token < 0 || static_cast<size_t>(token) >= counts_.size() || counts_[token] == 0) continue;
    float& logit = logits[token];
    if (logit <= 0) {
      logit *= params_.repeat_penalty;
    } else {
      logit /= params_.repeat_penalty;
    }
    logit -=
        static_cast<float>(counts_[token]) * params_.frequency_penalty + params_.presence_penalty;
    counts_[token] = 0;  // penalize each distinct token once
  }
}

void Sampler::softmax_candidates() {
  float max = -INFINITY;
  for (const Candidate& c : candidates_) max = std::max(max, c.logit);
  double sum = 0;
  for (Candidate& c : candidates_) {
    c.p = std::exp(c.logit - max);
    sum += c.p;
  }
  for (Candidate& c : candidates_) c.p = static_cast<float>(c.p / sum);
}

void Sampler::sort_best_first(size_t count) {
  auto better = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  const auto middle = candidates_.begin() + static_cast<std::ptrdiff_t>(count);
  if (count < candidates_.size()) {
    std::nth_element(candidates_.begin(), middle, candidates_.end(), better);
  }
  std::sort(candidates_.begin(), middle, better);
}

void Sampler::keep_top_p() {
  softmax_candidates();
  // The smallest set of best candidates whose probability reaches top_p:
  // sort a growing prefix rather than the whole vocabulary.
  size_t sorted = std::min<size_t>(64, candidates_.size());
  for (;;) {
    sort_best_first(sorted);
    double cumulative = 0;
    for (size_t n = 0; n < sorted; ++n) {
      cumulative += candidates_[n].p;
      if (cumulative >= params_.top_p) {
        candidates_.resize(n + 1);
        return;
      }
    }
    if (sorted == candidates_.size()) return;
    sorted = std::min(candidates_.size(), sorted * 8);
  }
}

void Sampler::keep_min_p() {
  // p >= min_p * p_max, in logits: logit >= max_logit + log(min_p). The
  // best candidate always stays, whatever min_p is.
  float max = -INFINITY;
  for (const Candidate& c : candidates_) max = std::max(max, c.logit);
  const float threshold = max + std::log(params_.min_p);
  const auto kept = std::partition(candidates_.begin(), candidates_.end(), [&](const Candidate& c) {
    return c.logit >= threshold || c.logit == max;
  });
  candidates_.erase(kept, candidates_.end());
  sort_best_first(candidates_.size());
}

TokenId Sampler::sample(std::span<float> logits) {
  apply_penalties(logits);
  if (params_.temperature <= 0.0f) {
    return static_cast<TokenId>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  }

  candidates_.clear();
  for (size_t i = 0; i < logits.size(); ++i) {
    candidates_.push_back({static_cast<TokenId>(i), logits[i], 0.0f});
  }
  // Truncation leaves the survivors best first; with none, the candidates
  // stay in vocabulary order, which draws from the same distribution without
  // sorting the whole vocabulary for every token.
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < candidates_.size()) {
    sort_best_first(static_cast<size_t>(params_.top_k));
    candidates_.resize(static_cast<size_t>(params_.top_k));
  }
  if (params_.top_p < 1.0f) keep_top_p();
  if (params_.min_p > 0.0f) keep_min_p();

  // Draw in proportion to exp(logit / temperature); no need to normalize.
  float max = -INFINITY;
  for (const Candidate& c : candidates_) max = std::max(max, c.logit);
  const float inverse_temperature = 1.0f / params_.temperature;
  double sum = 0;
  for (Candidate& c : candidates_) {
    c.p = std::exp((c.logit - max) * inverse_temperature);
    sum += c.p;
  }
  const double draw = std::uniform_real_distribution<double>(0.0, 1.0)(rng_) * sum;
  double cumulative = 0;
  for (const Candidate& c : candidates_) {
    cumulative += c.p;
    if (draw < cumulative) return c.id;
  }
  return candidates_.back().id;
}

}  // namespace cloister::engine
