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
  const float max = candidates_.front().logit;  // candidates are sorted, best first
  double sum = 0;
  for (Candidate& c : candidates_) {
    c.p = std::exp(c.logit - max);
    sum += c.p;
  }
  for (Candidate& c : candidates_) c.p = static_cast<float>(c.p / sum);
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
  auto better = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  size_t keep = candidates_.size();
  if (params_.top_k > 0) keep = std::min(keep, static_cast<size_t>(params_.top_k));
  std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep),
                    candidates_.end(), better);
  candidates_.resize(keep);

  if (params_.top_p < 1.0f) {
    softmax_candidates();
    double cumulative = 0;
    size_t n = 0;
    while (n < candidates_.size()) {
      cumulative += candidates_[n++].p;
      if (cumulative >= params_.top_p) break;
    }
    candidates_.resize(std::max<size_t>(n, 1));
  }
  if (params_.min_p > 0.0f) {
    softmax_candidates();
    const float threshold = candidates_.front().p * params_.min_p;
    size_t n = 1;
    while (n < candidates_.size() && candidates_[n].p >= threshold) ++n;
    candidates_.resize(n);
  }

  for (Candidate& c : candidates_) c.logit /= params_.temperature;
  softmax_candidates();
  const double draw = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  double cumulative = 0;
  for (const Candidate& c : candidates_) {
    cumulative += c.p;
    if (draw < cumulative) return c.id;
  }
  return candidates_.back().id;
}

}  // namespace cloister::engine
