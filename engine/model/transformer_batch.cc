// The forward pass over a batch of tokens: the same computation as
// Transformer::forward, with every matrix product taken for the whole batch
// at once (matmul.h), so that the weights are read once per batch.
#include <algorithm>
#include <cmath>

#include "engine/kernels/dispatch.h"
#include "engine/model/transformer.h"

namespace cloister::engine {
namespace {

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

// At most this many tokens share an attention task, and their scores take at
// most this many floats (a thread's buffers stay within its L2 cache).
constexpr uint32_t kTileTokens = 16;
constexpr size_t kTileScores = size_t{1} << 17;

// Splits `batch` into tiles: runs of tokens at consecutive positions of one
// cache (a prompt's), so that a tile reads only positions its tokens wrote.
void plan_tiles(std::span<const BatchToken> batch, uint32_t group,
                std::vector<AttentionTile>& tiles) {
  tiles.clear();
  for (uint32_t t = 0; t < batch.size(); ++t) {
    if (!tiles.empty()) {
      AttentionTile& last = tiles.back();
      const BatchToken& previous = batch[last.first + last.tokens - 1];
      const size_t scores = size_t{last.tokens + 1} * group * (batch[t].pos + 1);
      if (batch[t].cache == previous.cache && batch[t].pos == previous.pos + 1 &&
          last.tokens < kTileTokens && scores <= kTileScores) {
        ++last.tokens;
        continue;
      }
    }
    tiles.push_back({t, 1});
  }
}

// The k-th tile to run, taking tiles alternately from the front and the back:
// later tokens of a prompt attend to more positions, and the thread pool
// gives each thread a contiguous range of tasks, which this evens out.
size_t balanced_tile(size_t k, size_t tiles) { return k % 2 == 0 ? k / 2 : tiles - 1 - k / 2; }

// One thread's buffers for an attention tile, grown once to the largest tile
// it has seen.
struct TileBuffers {
  std::vector<float> queries;    // [query][head_dim]
  std::vector<float> scores;     // [query][positions]
  std::vector<float> attended;   // [query][value_dim]
  std::vector<uint32_t> counts;  // positions each query attends to
};

TileBuffers& thread_tile_buffers(size_t queries, size_t positions, const ModelConfig& c) {
  thread_local TileBuffers buffers;
  auto grow = [](auto& v, size_t n) {
    if (v.size() < n) v.resize(n);
  };
  grow(buffers.queries, queries * c.head_dim);
  grow(buffers.scores, queries * positions);
  grow(buffers.attended, queries * c.value_dim);
  grow(buffers.counts, queries);
  return buffers;
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
      logits(size_t{logit_rows} * c.n_vocab) {
  tiles.reserve(tokens);
}

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
  const MatmulTarget projections[] = {{&layer.wq, s.q.data(), q_width},
                                      {&layer.wk, s.k.data(), k_width},
                                      {&layer.wv, s.v.data(), v_width}};
  matmul_all(projections, s.input, pool);

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
    cache.store(layer_index, batch[t].pos, k, v, table.f32_to_f16);
  }

  // Causal attention, one task per tile and KV head.
  const uint32_t group = c.n_head / c.n_head_kv;
  plan_tiles(batch, group, s.tiles);
  auto attend = [&](size_t begin, size_t end) {
    for (size_t task = begin; task < end; ++task) {
      const AttentionTile& tile = s.tiles[balanced_tile(task / c.n_head_kv, s.tiles.size())];
      attend_tile(layer_index, batch, tile, static_cast<uint32_t>(task % c.n_head_kv), s);
    }
  };
  run_parallel(s.tiles.size() * c.n_head_kv, attend, pool);

  s.input.set(s.attended.data(), tokens, out_width);
  matmul(layer.wo, s.input, s.projected.data(), c.n_embd, pool);
  auto residual = [&](size_t begin, size_t end) {
    for (size_t i = begin * c.n_embd; i < end * c.n_embd; ++i) s.x[i] += s.projected[i];
  };
  run_parallel(tokens, residual, pool);
}

void Transformer::attend_tile(uint32_t layer_index, std::span<const BatchToken> batch,
                              const AttentionTile& tile, uint32_t kv_head, BatchScratch& s) const {
  const ModelConfig& c = config_;
  const uint32_t group = c.n_head / c.n_head_kv;
  const size_t queries = size_t{tile.tokens} * group;
  const std::span<const BatchToken> tokens = batch.subspan(tile.first, tile.tokens);
  const uint32_t positions = tokens.back().pos + 1;  // the tile's positions ascend
  TileBuffers& buffers = thread_tile_buffers(queries, positions, c);

  // The queries of every head that reads this KV head, token by token.
  const size_t q_width = size_t{c.n_head} * c.head_dim;
  const size_t group_width = size_t{group} * c.head_dim;
  for (size_t t = 0; t < tokens.size(); ++t) {
    const float* first = s.q.data() + (tile.first + t) * q_width + kv_head * group_width;
    std::copy_n(first, group_width, buffers.queries.data() + t * group_width);
    std::fill_n(buffers.counts.data() + t * group, group, tokens[t].pos + 1);
  }
  const KvCache& cache = *tokens.front().cache;
  const kernels::KernelTable& table = kernels::active_kernels();
  table.dot_rows_f16({buffers.queries.data(), c.head_dim, queries},
                     cache.keys(layer_index, kv_head), positions, buffers.scores.data());
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  for (size_t j = 0; j < queries; ++j) {
    table.softmax(buffers.scores.data() + j * positions, buffers.counts[j], scale);
  }
  table.weighted_rows_f16({buffers.scores.data(), positions, queries}, buffers.counts.data(),
                          cache.values(layer_index, kv_head), buffers.attended.data());

  const size_t out_width = size_t{c.n_head} * c.value_dim;
  const size_t group_out = size_t{group} * c.value_dim;
  for (size_t t = 0; t < tokens.size(); ++t) {
    std::copy_n(buffers.attended.data() + t * group_out, group_out,
                s.attended.data() + (tile.first + t) * out_width + kv_head * group_out);
  }
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
  const MatmulTarget projections[] = {{&layer.ffn_gate, s.gate.data(), c.n_ff},
                                      {&layer.ffn_up, s.up.data(), c.n_ff}};
  matmul_all(projections, s.input, pool);
  auto swiglu = [&](size_t begin, size_t end) {
    kernels::active_kernels().swiglu(s.gate.data() + begin * c.n_ff, s.up.data() + begin * c.n_ff,
                                     (end - begin) * c.n_ff);
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
