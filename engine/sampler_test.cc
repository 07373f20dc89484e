#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace cloister::engine {
namespace {

SamplingParams plain(float temperature, uint64_t seed) {
  SamplingParams params;
  params.temperature = temperature;
  params.top_k = 0;
  params.top_p = 1.0f;
  params.min_p = 0.0f;
  params.seed = seed;
  return params;
}

std::map<TokenId, int> histogram(SamplingParams params, const std::vector<float>& logits, int n) {
  Sampler sampler(params, logits.size());
  std::map<TokenId, int> counts;
  for (int i = 0; i < n; ++i) {
    std::vector<float> copy = logits;
    ++counts[sampler.sample(copy)];
  }
  return counts;
}

TEST(Sampler, GreedyPicksTheLargestLogit) {
  Sampler sampler(greedy_sampling(), 4);
  std::vector<float> logits = {0.1f, 2.0f, -1.0f, 1.9f};
  EXPECT_EQ(sampler.sample(logits), 1);
}

TEST(Sampler, SameSeedSameTokens) {
  std::vector<float> logits = {1.0f, 1.1f, 0.9f, 1.2f, 0.5f};
  auto draw = [&](uint64_t seed) {
    Sampler sampler(plain(1.0f, seed), logits.size());
    std::vector<TokenId> out;
    for (int i = 0; i < 50; ++i) {
      std::vector<float> copy = logits;
      out.push_back(sampler.sample(copy));
    }
    return out;
  };
  EXPECT_EQ(draw(42), draw(42));
  EXPECT_NE(draw(42), draw(43));
}

TEST(Sampler, FollowsTheSoftmaxDistribution) {
  std::vector<float> logits = {0.0f, std::log(3.0f)};  // p = 1/4, 3/4
  auto counts = histogram(plain(1.0f, 7), logits, 20000);
  EXPECT_NEAR(counts[1] / 20000.0, 0.75, 0.02);
  // Temperature 0.5 squares the odds: 1:9.
  counts = histogram(plain(0.5f, 7), logits, 20000);
  EXPECT_NEAR(counts[1] / 20000.0, 0.9, 0.02);
}

TEST(Sampler, TopKKeepsOnlyTheBestK) {
  SamplingParams params = plain(1.0f, 1);
  params.top_k = 2;
  auto counts = histogram(params, {3.0f, 0.0f, 2.9f, 2.8f}, 2000);
  EXPECT_EQ(counts.count(3), 0u);
  EXPECT_EQ(counts.count(1), 0u);
  EXPECT_GT(counts[0], 0);
  EXPECT_GT(counts[2], 0);
}

TEST(Sampler, TopKBreaksTiesAtItsEdgeByLowerIdOverAVocabulary) {
  // 32,000 logits from 64 values, so a tie crosses the edge of the best 40:
  // the tokens drawn must be exactly the first 40 of a stable sort by logit.
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> level(0, 63);
  std::vector<float> logits(32000);
  for (float& logit : logits) logit = static_cast<float>(level(rng)) / 8.0f;
  std::vector<TokenId> order(logits.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<TokenId>(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](TokenId a, TokenId b) { return logits[a] > logits[b]; });
  const std::vector<TokenId> best(order.begin(), order.begin() + 40);
  ASSERT_EQ(logits[best.back()], logits[order[40]]);  // the edge splits a tie

  SamplingParams params = plain(1.0f, 3);
  params.top_k = 40;
  const auto counts = histogram(params, logits, 4000);
  for (const auto& [token, count] : counts) {
    EXPECT_NE(std::find(best.begin(), best.end(), token), best.end()) << "token " << token;
  }
  EXPECT_EQ(counts.size(), 40u);  // all 40 share the top logit, so each is drawn
}

TEST(Sampler, GreedyPicksTheFirstOfEqualLargestLogits) {
  std::vector<float> logits(1000, 0.0f);
  logits[700] = 5.0f;
  logits[337] = 5.0f;
  logits[999] = 5.0f;
  Sampler sampler(greedy_sampling(), logits.size());
  EXPECT_EQ(sampler.sample(logits), 337);
  logits.assign(33, -1.0f);  // no lane ever larger than the first value
  Sampler small(greedy_sampling(), logits.size());
  EXPECT_EQ(small.sample(logits), 0);
}

TEST(Sampler, TopPKeepsTheSmallestSufficientSet) {
  SamplingParams params = plain(1.0f, 1);
  params.top_p = 0.7f;  // p = 0.6, 0.3, 0.1: the first two are needed
  auto counts = histogram(params, {std::log(0.6f), std::log(0.3f), std::log(0.1f)}, 3000);
  EXPECT_EQ(counts.count(2), 0u);
  EXPECT_NEAR(counts[0] / 3000.0, 2.0 / 3.0, 0.04);
}

TEST(Sampler, TopPKeepsTheSmallestSufficientSetOfAWideNucleus) {
  // 100 tokens at logit 5 among 1,000: each has p = e^5 / (100 e^5 + 900) =
  // 0.00943, so top-p 0.9 needs 96 of them (more than one sorted block), and
  // ties go to the lower id: ids 0 to 95 may be drawn, nothing else.
  std::vector<float> logits(1000, 0.0f);
  std::fill_n(logits.begin(), 100, 5.0f);
  SamplingParams params = plain(1.0f, 3);
  params.top_p = 0.9f;
  auto counts = histogram(params, logits, 4000);
  EXPECT_EQ(counts.lower_bound(96), counts.end());
  EXPECT_GT(counts.rbegin()->first, 85);
}

TEST(Sampler, MinPDropsUnlikelyTokens) {
  SamplingParams params = plain(1.0f, 1);
  params.min_p = 0.2f;  // p = 0.5, 0.4, 0.09, 0.01: threshold 0.1
  auto counts =
      histogram(params, {std::log(0.5f), std::log(0.4f), std::log(0.09f), std::log(0.01f)}, 3000);
  EXPECT_EQ(counts.count(2), 0u);
  EXPECT_EQ(counts.count(3), 0u);
}

TEST(Sampler, MinPAboveOneStillKeepsTheBestToken) {
  SamplingParams params = plain(1.0f, 1);
  params.min_p = 1.5f;
  auto counts = histogram(params, {0.0f, 2.0f, 1.0f}, 200);
  EXPECT_EQ(counts[1], 200);
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplingParams params = greedy_sampling();
  params.repeat_penalty = 2.0f;
  Sampler sampler(params, 3);
  sampler.accept(0);
  sampler.accept(2);
  std::vector<float> logits = {3.0f, 1.6f, -1.0f};
  EXPECT_EQ(sampler.sample(logits), 1);  // 3.0 / 2 = 1.5 < 1.6
  EXPECT_FLOAT_EQ(logits[0], 1.5f);
  EXPECT_FLOAT_EQ(logits[2], -2.0f);
}

TEST(Sampler, FrequencyAndPresencePenaltiesSubtract) {
  SamplingParams params = greedy_sampling();
  params.frequency_penalty = 0.5f;
  params.presence_penalty = 0.25f;
  Sampler sampler(params, 2);
  sampler.accept(0);
  sampler.accept(0);
  sampler.accept(0);
  std::vector<float> logits = {2.0f, 0.4f};
  EXPECT_EQ(sampler.sample(logits), 1);
  EXPECT_FLOAT_EQ(logits[0], 2.0f - 3 * 0.5f - 0.25f);
}

TEST(Sampler, PenaltiesOnlySeeTheRecentWindow) {
  SamplingParams params = greedy_sampling();
  params.repeat_penalty = 10.0f;
  params.repeat_last_n = 2;
  Sampler sampler(params, 3);
  sampler.accept(0);
  sampler.accept(1);
  sampler.accept(2);  // pushes 0 out of the window
  std::vector<float> logits = {1.0f, 1.0f, 1.0f};
  sampler.sample(logits);
  EXPECT_FLOAT_EQ(logits[0], 1.0f);
  EXPECT_FLOAT_EQ(logits[1], 0.1f);
}

}  // namespace
}  // namespace cloister::engine
