#include "engine/model/transformer.h"

#include <algorithm>
#include <cmath>

#include "engine/kernels/dispatch.h"

namespace cloister::engine {

ForwardScratch::ForwardScratch(const ModelConfig& c, uint32_t context_capacity)
    : x(c.n_embd),
      normed(c.n_embd),
      q(size_t{c.n_head} * c.head_dim),
      k(size_t{c.n_head_kv} * c.head_dim),
      v(size_t{c.n_head_kv} * c.value_dim),
      attended(size_t{c.n_head} * c.value_dim),
      scores(context_capacity),
      gate(c.n_ff),
      up(c.n_ff),
      projected(c.n_embd) {}

void rms_norm(std::span<const float> x, std::span<const float> weight, float eps,
              std::span<float> out) {
  double sum_squares = 0.0;
  for (float v : x) sum_squares += static_cast<double>(v) * v;
  const auto scale = static_cast<float>(1.0 / std::sqrt(sum_squares / x.size() + eps));
  for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] * scale * weight[i];
}

namespace {

void add_bias(std::span<float> x, const std::vector<float>& bias) {
  if (bias.empty()) return;
  for (size_t i = 0; i < x.size(); ++i) x[i] += bias[i];
}

}  // namespace

Result<Transformer> Transformer::load(const GgufFile& file, bool pack_weights) {
  CLOISTER_ASSIGN_OR_RETURN(ModelConfig config, read_model_config(file));
  CLOISTER_ASSIGN_OR_RETURN(ModelWeights weights, load_weights(file, config, pack_weights));
  return Transformer(config, std::move(weights));
}

Status Transformer::forward(TokenId token, uint32_t pos, KvCache& cache, ForwardScratch& s,
                            RopeAngles& rope, std::span<float> logits, ThreadPool* pool) const {
  if (token < 0 || static_cast<uint32_t>(token) >= config_.n_vocab) {
    return Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(token) +
                                                  " is outside the vocabulary of " +
                                                  std::to_string(config_.n_vocab));
  }
  if (pos >= cache.capacity()) {
    return Error(ErrorCode::kResourceExhausted,
                 "context overflow: position " + std::to_string(pos) + " is past the context of " +
                     std::to_string(cache.capacity()) + " tokens");
  }
  kernels::dequantize_row(weights_.token_embedding.type, weights_.token_embedding.row(token), s.x);
  rope.set_position(pos);
  for (uint32_t l = 0; l < config_.n_layer; ++l) {
    const LayerWeights& layer = weights_.layers[l];
    attention(layer, l, pos, cache, s, rope, pool);
    feed_forward(layer, s, pool);
  }
  if (logits.empty()) return ok_status();
  rms_norm(s.x, weights_.output_norm, config_.rms_eps, s.normed);
  s.input.set(s.normed);
  matvec(weights_.output, s.input, logits, pool);
  return ok_status();
}

void Transformer::attention(const LayerWeights& layer, uint32_t layer_index, uint32_t pos,
                            KvCache& cache, ForwardScratch& s, const RopeAngles& rope,
                            ThreadPool* pool) const {
  const ModelConfig& c = config_;
  rms_norm(s.x, layer.attn_norm, c.rms_eps, s.normed);
  s.input.set(s.normed);
  matvec(layer.wq, s.input, s.q, pool);
  matvec(layer.wk, s.input, s.k, pool);
  matvec(layer.wv, s.input, s.v, pool);
  add_bias(s.q, layer.bq);
  add_bias(s.k, layer.bk);
  add_bias(s.v, layer.bv);

  std::span<float> q(s.q);
  std::span<float> k(s.k);
  for (uint32_t h = 0; h < c.n_head; ++h) {
    std::span<float> head = q.subspan(size_t{h} * c.head_dim, c.head_dim);
    if (!layer.q_norm.empty()) rms_norm(head, layer.q_norm, c.rms_eps, head);
    rope.apply(head);
  }
  for (uint32_t h = 0; h < c.n_head_kv; ++h) {
    std::span<float> head = k.subspan(size_t{h} * c.head_dim, c.head_dim);
    if (!layer.k_norm.empty()) rms_norm(head, layer.k_norm, c.rms_eps, head);
    rope.apply(head);
  }
  const kernels::KernelTable& table = kernels::active_kernels();
  cache.store(layer_index, pos, s.k.data(), s.v.data(), table.f32_to_f16);

  const uint32_t group = c.n_head / c.n_head_kv;
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  std::span<float> scores = std::span<float>(s.scores).first(pos + 1);
  for (uint32_t h = 0; h < c.n_head; ++h) {
    const uint32_t kv_head = h / group;
    const kernels::Rows query{q.data() + size_t{h} * c.head_dim, c.head_dim, 1};
    table.dot_rows_f16(query, cache.keys(layer_index, kv_head), pos + 1, scores.data());
    table.softmax(scores.data(), scores.size(), scale);
    const uint32_t count = pos + 1;
    table.weighted_rows_f16({scores.data(), 0, 1}, &count, cache.values(layer_index, kv_head),
                            s.attended.data() + size_t{h} * c.value_dim);
  }
  s.input.set(s.attended);
  matvec(layer.wo, s.input, s.projected, pool);
  for (size_t i = 0; i < s.x.size(); ++i) s.x[i] += s.projected[i];
}

void Transformer::feed_forward(const LayerWeights& layer, ForwardScratch& s,
                               ThreadPool* pool) const {
  rms_norm(s.x, layer.ffn_norm, config_.rms_eps, s.normed);
  s.input.set(s.normed);
  matvec(layer.ffn_gate, s.input, s.gate, pool);
  matvec(layer.ffn_up, s.input, s.up, pool);
  kernels::active_kernels().swiglu(s.gate.data(), s.up.data(), s.gate.size());
  s.input.set(s.gate);
  matvec(layer.ffn_down, s.input, s.projected, pool);
  for (size_t i = 0; i < s.x.size(); ++i) s.x[i] += s.projected[i];
}

}  // namespace cloister::engine
