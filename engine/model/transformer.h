// The forward pass shared by the llama family: pre-norm decoder blocks of
// grouped-query attention with RoPE and a SwiGLU feed-forward network. The
// architecture spec switches on the per-family pieces (QKV biases, Q/K norms,
// RoPE style).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "engine/gguf/gguf.h"
#include "engine/model/config.h"
#include "engine/model/kv_cache.h"
#include "engine/model/rope.h"
#include "engine/model/weights.h"
#include "engine/tensor/matvec.h"
#include "engine/tensor/thread_pool.h"
#include "engine/token.h"

namespace cloister::engine {

// Buffers for one forward pass, sized once so that a token allocates nothing.
struct ForwardScratch {
  ForwardScratch(const ModelConfig& config, uint32_t context_capacity);

  std::vector<float> x;          // residual stream, n_embd
  std::vector<float> normed;     // normalized input of a sub-block, n_embd
  std::vector<float> q;          // n_head * head_dim
  std::vector<float> k;          // n_head_kv * head_dim
  std::vector<float> v;          // n_head_kv * value_dim
  std::vector<float> attended;   // n_head * value_dim
  std::vector<float> scores;     // one head's attention weights, context_capacity
  std::vector<float> gate;       // n_ff
  std::vector<float> up;         // n_ff
  std::vector<float> projected;  // n_embd, output of attn_output / ffn_down
  InputVector input;
};

class Transformer {
 public:
  // Reads the configuration and finds every tensor of the model in `file`,
  // which must outlive the transformer.
  static Result<Transformer> load(const GgufFile& file);

  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }

  // Runs `token` at position `pos`, reading positions [0, pos) from `cache`
  // and storing position `pos` in it; writes n_vocab logits unless `logits`
  // is empty. Fails (changing nothing) for a token outside the vocabulary or
  // a position beyond the cache's capacity.
  Status forward(TokenId token, uint32_t pos, KvCache& cache, ForwardScratch& scratch,
                 RopeAngles& rope, std::span<float> logits, ThreadPool* pool) const;

  // Returns RoPE angle tables for this model (one per concurrent caller).
  RopeAngles make_rope() const { return RopeAngles(config_, weights_.rope_freq_factors); }

 private:
  Transformer(ModelConfig config, ModelWeights weights)
      : config_(config), weights_(std::move(weights)) {}

  void attention(const LayerWeights& layer, uint32_t layer_index, uint32_t pos, KvCache& cache,
                 ForwardScratch& s, const RopeAngles& rope, ThreadPool* pool) const;
  void feed_forward(const LayerWeights& layer, ForwardScratch& s, ThreadPool* pool) const;

  ModelConfig config_;
  ModelWeights weights_;
};

// out = x / sqrt(mean(x^2) + eps) * weight.
void rms_norm(std::span<const float> x, std::span<const float> weight, float eps,
              std::span<float> out);

// Replaces x by softmax(x).
void softmax(std::span<float> x);

}  // namespace cloister::engine
