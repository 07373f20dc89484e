// The forward pass over a batch of tokens: the same computation as
// Transformer::forward, with every matrix product taken for the whole batch
// at once (matmul.h), so that the weights are read once per batch.
#include <algorithm>
#include <cmath>

#include "engine/kernels/dispatch.h"
#include "engine/model/transformer.h"

namespace cloister::engine {
namespace {

float silu(float x) { return x / (1.0f + std::exp(-x)); }

void add_bias(float* x, const std::vector<float>& bias) {
  for (size_t i = 0; i < bias.size(); ++i) x[i] += bias[i];
}

void run_parallel(size_t n, RangeFunction body, ThreadPool* pool) {
  if (pool != nullptr) {
    pool->parallel_for(n, body);
  } else if (n > 0) {
    body(0, n);
  }
}

// One head's attention weights; each thread has its own, grown once to the
// longest context it has seen.
std::vector<float>& thread_scores(size_t n) {
  thread_local std::vector<float> scores;
  if (scores.size() < n) scores.resize(n);
  return scores;
}

}  // namespace

BatchScratch::BatchScratch(const ModelConfig& c, uint32_t tokens, uint32_t logit_rows)
    : max_tokens(tokens),
      max_logits(logit_rows),
      n_vocab(c.n_vocab),
      x(size_t{tokens} * c.n_embd),
      normed(size_t{tokens} * c.n_embd),
      q(size_t{tokens} * c.n_head * c.head_dim),
      k(size_t{tokens} * c.n_head_kv * c.head_dim),
      v(size_t{tokens} * c.n_head_kv * c.value_dim),
      attended(size_t{tokens} * c.n_head * c.value_dim),
      gate(size_t{tokens} * c.n_ff),
      up(size_t{tokens} * c.n_ff),
      projected(size_t{tokens} * c.n_embd),
      logits(size_t{logit_rows} * c.n_vocab) {}

Status Transformer::forward_batch(std::span<const BatchToken> batch, BatchScratch& s,
                                  RopeAngles& rope, ThreadPool* pool) const {
  const ModelConfig& c = config_;
  size_t logit_rows = 0;
  for (const BatchToken& t : batch) {
    if (t.token < 0 || static_cast<uint32_t>(t.token) >= c.n_vocab) {
      return Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(t.token) +
                                                    " is outside the vocabulary of " +
                                                    std::to_string(c.n_vocab));
    }
    if (t.pos >= t.cache->capacity()) {
      return Error(ErrorCode::kResourceExhausted,
                   "context overflow: position " + std::to_string(t.pos) +
                       " is past the context of " + std::to_string(t.cache->capacity()) +
                       " tokens");
    }
    if (t.want_logits) ++logit_rows;
  }
  if (batch.size() > s.max_tokens || logit_rows > s.max_logits) {
    return Error(ErrorCode::kInvalidArgument,
                 "a batch of " + std::to_string(batch.size()) + " tokens (" +
                     std::to_string(logit_rows) + " with logits) exceeds its scratch (" +
                     std::to_string(s.max_tokens) + ", " + std::to_string(s.max_logits) + ")");
  }
  const size_t tokens = batch.size();
  for (size_t t = 0; t < tokens; ++t) {
    kernels::dequantize_row(weights_.token_embedding.type,
                            weights_.token_embedding.row(batch[t].token),
                            std::span<float>(s.x).subspan(t * c.n_embd, c.n_embd));
  }
  for (uint32_t l = 0; l < c.n_layer; ++l) {
    const LayerWeights& layer = weights_.layers[l];
    batch_attention(layer, l, batch, s, rope, pool);
    batch_feed_forward(layer, tokens, s, pool);
  }
  if (logit_rows == 0) return ok_status();
  // The final norm of the tokens that want logits, gathered in batch order.
  size_t row = 0;
  for (size_t t = 0; t < tokens; ++t) {
    if (!batch[t].want_logits) continue;
    rms_norm(std::span<const float>(s.x).subspan(t * c.n_embd, c.n_embd), weights_.output_norm,
             c.rms_eps, std::span<float>(s.normed).subspan(row * c.n_embd, c.n_embd));
    ++row;
  }
  s.input.set(s.normed.data(), logit_rows, c.n_embd);
  matmul(weights_.output, s.input, s.logits.data(), c.n_vocab, pool);
  return ok_status();
}

void Transformer::batch_attention(const LayerWeights& layer, uint32_t layer_index,
                                  std::span<const BatchToken> batch, BatchScratch& s,
                                  RopeAngles& rope, ThreadPool* pool) const {
  const ModelConfig& c = config_;
  const size_t tokens = batch.size();
  const size_t q_width = size_t{c.n_head} * c.head_dim;
  const size_t k_width = size_t{c.n_head_kv} * c.head_dim;
  const size_t v_width = size_t{c.n_head_kv} * c.value_dim;
  const size_t out_width = size_t{c.n_head} * c.value_dim;
  auto norm = [&](size_t begin, size_t end) {
    for (size_t t = begin; t < end; ++t) {
      rms_norm(std::span<const float>(s.x).subspan(t * c.n_embd, c.n_embd), layer.attn_norm,
               c.rms_eps, std::span<float>(s.normed).subspan(t * c.n_embd, c.n_embd));
    }
  };
  run_parallel(tokens, norm, pool);
  s.input.set(s.normed.data(), tokens, c.n_embd);
  matmul(layer.wq, s.input, s.q.data(), q_width, pool);
  matmul(layer.wk, s.input, s.k.data(), k_width, pool);
  matmul(layer.wv, s.input, s.v.data(), v_width, pool);

  const kernels::KernelTable& table = kernels::active_kernels();
  // Biases, Q/K norms and RoPE, then the keys and values go to each cache.
  // (RopeAngles holds one position, so this part runs on one thread; it is
  // small next to the products.)
  for (size_t t = 0; t < tokens; ++t) {
    float* q = s.q.data() + t * q_width;
    float* k = s.k.data() + t * k_width;
    float* v = s.v.data() + t * v_width;
    add_bias(q, layer.bq);
    add_bias(k, layer.bk);
    add_bias(v, layer.bv);
    rope.set_position(batch[t].pos);
    for (uint32_t h = 0; h < c.n_head; ++h) {
      std::span<float> head(q + size_t{h} * c.head_dim, c.head_dim);
      if (!layer.q_norm.empty()) rms_norm(head, layer.q_norm, c.rms_eps, head);
      rope.apply(head);
    }
    for (uint32_t h = 0; h < c.n_head_kv; ++h) {
      std::span<float> head(k + size_t{h} * c.head_dim, c.head_dim);
      if (!layer.k_norm.empty()) rms_norm(head, layer.k_norm, c.rms_eps, head);
      rope.apply(head);
    }
    KvCache& cache = *batch[t].cache;
    table.f32_to_f16(k, cache.key(layer_index, batch[t].pos).data(), k_width);
    table.f32_to_f16(v, cache.value(layer_index, batch[t].pos).data(), v_width);
  }

  // Causal attention, one (token, head) pair per task.
  const uint32_t group = c.n_head / c.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  auto attend = [&](size_t begin, size_t end) {
    for (size_t task = begin; task < end; ++task) {
      const size_t t = task / c.n_head;
      const auto h = static_cast<uint32_t>(task % c.n_head);
      const uint32_t kv_head = h / group;
      const uint32_t pos = batch[t].pos;
      const KvCache& cache = *batch[t].cache;
      const float* query = s.q.data() + t * q_width + size_t{h} * c.head_dim;
      std::span<float> scores = std::span<float>(thread_scores(pos + 1)).first(pos + 1);
      const uint16_t* keys = cache.key(layer_index, 0).data() + size_t{kv_head} * c.head_dim;
      table.dot_rows_f16(query, keys, cache.key_stride(), pos + 1, c.head_dim, scores.data());
      for (float& score : scores) score *= scale;
      softmax(scores);
      float* out = s.attended.data() + t * out_width + size_t{h} * c.value_dim;
      const uint16_t* values = cache.value(layer_index, 0).data() + size_t{kv_head} * c.value_dim;
      table.weighted_rows_f16(scores.data(), values, cache.value_stride(), pos + 1, c.value_dim,
                              out);
    }
  };
  run_parallel(tokens * c.n_head, attend, pool);

  s.input.set(s.attended.data(), tokens, out_width);
  matmul(layer.wo, s.input, s.projected.data(), c.n_embd, pool);
  auto residual = [&](size_t begin, size_t end) {
    for (size_t i = begin * c.n_embd; i < end * c.n_embd; ++i) s.x[i] += s.projected[i];
  };
  run_parallel(tokens, residual, pool);
}

void Transformer::batch_feed_forward(const LayerWeights& layer, size_t tokens, BatchScratch& s,
                                     ThreadPool* pool) const {
  const ModelConfig& c = config_;
  auto norm = [&](size_t begin, size_t end) {
    for (size_t t = begin; t < end; ++t) {
      rms_norm(std::span<const float>(s.x).subspan(t * c.n_embd, c.n_embd), layer.ffn_norm,
               c.rms_eps, std::span<float>(s.normed).subspan(t * c.n_embd, c.n_embd));
    }
  };
  run_parallel(tokens, norm, pool);
  s.input.set(s.normed.data(), tokens, c.n_embd);
  matmul(layer.ffn_gate, s.input, s.gate.data(), c.n_ff, pool);
  matmul(layer.ffn_up, s.input, s.up.data(), c.n_ff, pool);
  auto swiglu = [&](size_t begin, size_t end) {
    for (size_t i = begin * c.n_ff; i < end * c.n_ff; ++i) s.gate[i] = silu(s.gate[i]) * s.up[i];
  };
  run_parallel(tokens, swiglu, pool);
  s.input.set(s.gate.data(), tokens, c.n_ff);
  matmul(layer.ffn_down, s.input, s.projected.data(), c.n_embd, pool);
  auto residual = [&](size_t begin, size_t end) {
    for (size_t i = begin * c.n_embd; i < end * c.n_embd; ++i) s.x[i] += s.projected[i];
  };
  run_parallel(tokens, residual, pool);
}

}  // namespace cloister::engine
