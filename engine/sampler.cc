#include "engine/sampler.h"

#include <algorithm>
#include <array>
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

namespace {

// The order of candidates: higher logit first, then lower id.
constexpr auto better = [](const auto& a, const auto& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
};

// Returns the index of the first largest value (0 if none compares larger
// than x[0], as std::max_element). Sixteen running maxima rather than one
// chain of dependent comparisons: about 4 times as fast on a vocabulary.
size_t first_largest(std::span<const float> x) {
  if (x.empty()) return 0;
  constexpr size_t kLanes = 16;
  std::array<float, kLanes> lanes;
  lanes.fill(x[0]);
  size_t i = 0;
  for (; i + kLanes <= x.size(); i += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) lanes[j] = x[i + j] > lanes[j] ? x[i + j] : lanes[j];
  }
  float best = x[0];
  for (const float lane : lanes) best = lane > best ? lane : best;
  for (; i < x.size(); ++i) best = x[i] > best ? x[i] : best;
  const auto found = std::find(x.begin(), x.end(), best);
  return found == x.end() ? 0 : static_cast<size_t>(found - x.begin());
}

}  // namespace

void Sampler::sort_best_first(size_t count) {
  const auto middle = candidates_.begin() + static_cast<std::ptrdiff_t>(count);
  if (count < candidates_.size()) {
    std::nth_element(candidates_.begin(), middle, candidates_.end(), better);
  }
  std::sort(candidates_.begin(), middle, better);
}

void Sampler::take_all(std::span<const float> logits) {
  candidates_.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    candidates_[i] = {static_cast<TokenId>(i), logits[i], 0.0f};
  }
}

void Sampler::take_top_k(std::span<const float> logits, size_t k) {
  // A heap of the best k so far, its worst on top. Later ids lose ties, so a
  // logit must be strictly larger than the worst to enter: most of the
  // vocabulary costs one comparison of floats.
  take_all(logits.first(k));
  std::make_heap(candidates_.begin(), candidates_.end(), better);
  float worst = candidates_.front().logit;
  for (size_t i = k; i < logits.size(); ++i) {
    if (!(logits[i] > worst)) continue;
    std::pop_heap(candidates_.begin(), candidates_.end(), better);
    candidates_.back() = {static_cast<TokenId>(i), logits[i], 0.0f};
    std::push_heap(candidates_.begin(), candidates_.end(), better);
    worst = candidates_.front().logit;
  }
  std::sort_heap(candidates_.begin(), candidates_.end(), better);
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
  if (params_.temperature <= 0.0f) return static_cast<TokenId>(first_largest(logits));

  // Truncation leaves the survivors best first; with none, the candidates
  // stay in vocabulary order, which draws from the same distribution without
  // sorting the whole vocabulary for every token.
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < logits.size()) {
    take_top_k(logits, static_cast<size_t>(params_.top_k));
  } else {
    take_all(logits);
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
