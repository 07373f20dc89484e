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
#include "engine/tensor/matmul.h"
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

// One token of a batch: run `token` at position `pos` of the sequence whose
// cache is `cache`. Several tokens may share a cache (a prompt, at
// consecutive positions) or each have their own (one step of several
// sequences).
struct BatchToken {
  TokenId token = 0;
  uint32_t pos = 0;
  KvCache* cache = nullptr;
  bool want_logits = false;
};

// Tokens of a batch at consecutive positions of one KV cache, whose
// attention runs as one task per KV head (Transformer::attend_tile).
struct AttentionTile {
  uint32_t first = 0;  // index in the batch
  uint32_t tokens = 0;
};

// Buffers for batches of up to `max_tokens` tokens, of which up to
// `max_logits` want logits; sized once, so that a batch allocates nothing.
struct BatchScratch {
  BatchScratch(const ModelConfig& config, uint32_t max_tokens, uint32_t max_logits);

  // Returns the logits of the i-th token (in batch order) that wanted them;
  // the caller may modify them (samplers do) until the next batch.
  std::span<float> logits_row(size_t i) {
    return std::span<float>(logits).subspan(i * n_vocab, n_vocab);
  }

  uint32_t max_tokens;
  uint32_t max_logits;
  size_t n_vocab;
  std::vector<float> x;              // [token][n_embd], the residual streams
  std::vector<float> normed;         // [token][n_embd]
  std::vector<float> q;              // [token][n_head * head_dim]
  std::vector<float> k;              // [token][n_head_kv * head_dim]
  std::vector<float> v;              // [token][n_head_kv * value_dim]
  std::vector<float> attended;       // [token][n_head * value_dim]
  std::vector<float> gate;           // [token][n_ff]
  std::vector<float> up;             // [token][n_ff]
  std::vector<float> projected;      // [token][n_embd]
  std::vector<float> logits;         // [max_logits][n_vocab]
  std::vector<AttentionTile> tiles;  // reserved for max_tokens
  BatchInput input;
};

class Transformer {
 public:
  // Reads the configuration and finds every tensor of the model in `file`,
  // which must outlive the transformer; packs matrices unless `pack_weights`
  // is false (weights.h).
  static Result<Transformer> load(const GgufFile& file, bool pack_weights = true);

  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }

  // Runs `token` at position `pos`, reading positions [0, pos) from `cache`
  // and storing position `pos` in it; writes n_vocab logits unless `logits`
  // is empty. Fails (changing nothing) for a token outside the vocabulary or
  // a position beyond the cache's capacity.
  Status forward(TokenId token, uint32_t pos, KvCache& cache, ForwardScratch& scratch,
                 RopeAngles& rope, std::span<float> logits, ThreadPool* pool) const;

  // Runs every token of `batch` (at most scratch.max_tokens, of which at most
  // scratch.max_logits want logits), storing each token's keys and values in
  // its cache, and writes the wanted logits to scratch.logits_row(i) in batch
  // order. A token attends to the positions [0, pos] of its cache, so a
  // prompt's tokens may share one batch. A token's result depends on the
  // rest of the batch only through float rounding (batches of one and of
  // several use different kernels). Fails, changing nothing, for a token
  // outside the vocabulary or a position beyond its cache's capacity.
  Status forward_batch(std::span<const BatchToken> batch, BatchScratch& scratch, RopeAngles& rope,
                       ThreadPool* pool) const;

  // Returns RoPE angle tables for this model (one per concurrent caller).
  RopeAngles make_rope() const { return RopeAngles(config_, weights_.rope_freq_factors); }

 private:
  Transformer(ModelConfig config, ModelWeights weights)
      : config_(config), weights_(std::move(weights)) {}

  void attention(const LayerWeights& layer, uint32_t layer_index, uint32_t pos, KvCache& cache,
                 ForwardScratch& s, const RopeAngles& rope, ThreadPool* pool) const;
  void feed_forward(const LayerWeights& layer, ForwardScratch& s, ThreadPool* pool) const;
  void batch_attention(const LayerWeights& layer, uint32_t layer_index,
                       std::span<const BatchToken> batch, BatchScratch& s, RopeAngles& rope,
                       ThreadPool* pool) const;
  // Causal attention of one tile's tokens for the heads that read `kv_head`.
  void attend_tile(uint32_t layer_index, std::span<const BatchToken> batch,
                   const AttentionTile& tile, uint32_t kv_head, BatchScratch& s) const;
  void batch_feed_forward(const LayerWeights& layer, size_t tokens, BatchScratch& s,
                          ThreadPool* pool) const;

  ModelConfig config_;
  ModelWeights weights_;
};

// out = x / sqrt(mean(x^2) + eps) * weight.
void rms_norm(std::span<const float> x, std::span<const float> weight, float eps,
              std::span<float> out);

}  // namespace cloister::engine
