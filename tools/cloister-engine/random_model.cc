#include "tools/cloister-engine/random_model.h"

#include <random>
#include <string>
#include <vector>

#include "engine/gguf/gguf_writer.h"
#include "engine/kernels/kernels.h"

namespace cloister::tools::engine_cli {
namespace {

using engine::TensorType;

// A few distinct random rows per row length, repeated: writing a gigabyte of
// weights then costs a copy, not a quantization of every value.
constexpr size_t kDistinctRows = 16;

class TensorFactory {
 public:
  explicit TensorFactory(uint32_t seed) : rng_(seed) {}

  // Returns `rows` rows of `cols` random values (scale ~ 1/sqrt(cols)) in `type`.
  Bytes matrix(TensorType type, uint64_t rows, uint64_t cols) {
    const uint64_t stride = *engine::row_bytes(type, cols);
    std::normal_distribution<float> normal(0.0f, 1.0f / std::sqrt(static_cast<float>(cols)));
    std::vector<Bytes> distinct(kDistinctRows, Bytes(stride));
    std::vector<float> values(cols);
    for (Bytes& row : distinct) {
      for (float& v : values) v = normal(rng_);
      engine::kernels::quantize_row(type, values, row);
    }
    Bytes out(stride * rows);
    std::uniform_int_distribution<size_t> pick(0, kDistinctRows - 1);
    for (uint64_t r = 0; r < rows; ++r) {
      const Bytes& row = distinct[pick(rng_)];
      std::copy(row.begin(), row.end(), out.begin() + static_cast<ptrdiff_t>(r * stride));
    }
    return out;
  }

  Bytes ones(uint64_t n) {
    std::vector<float> values(n, 1.0f);
    Bytes out(n * sizeof(float));
    engine::kernels::quantize_row(TensorType::kF32, values, out);
    return out;
  }

 private:
  std::mt19937 rng_;
};

// llama.cpp's rule for the layers that get more bits in Q4_K_M.
bool uses_more_bits(uint32_t layer, uint32_t n_layer) {
  return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

}  // namespace

Result<RandomModelShape> random_model_shape(std::string_view name) {
  if (name == "tinyllama") return RandomModelShape{};
  if (name == "125m") return RandomModelShape{768, 12, 12, 12, 2048, 32000};
  return Error(ErrorCode::kInvalidArgument,
               "unknown model shape '" + std::string(name) + "' (tinyllama or 125m)");
}

Status write_random_model(const std::filesystem::path& path, const RandomModelShape& shape,
                          std::string_view quantization, uint32_t seed) {
  const bool q8 = quantization == "q8_0";
  if (!q8 && quantization != "q4_k_m") {
    return Error(ErrorCode::kInvalidArgument,
                 "unknown quantization '" + std::string(quantization) + "' (q8_0 or q4_k_m)");
  }
  const TensorType base = q8 ? TensorType::kQ8_0 : TensorType::kQ4_K;
  const TensorType more = q8 ? TensorType::kQ8_0 : TensorType::kQ6_K;
  const RandomModelShape& s = shape;
  const uint32_t head_dim = s.n_embd / s.n_head;

  engine::GgufWriter writer;
  writer.set_string("general.architecture", "llama");
  writer.set_string("general.name", "random-" + std::string(quantization));
  writer.set_uint32("llama.context_length", 2048);
  writer.set_uint32("llama.embedding_length", s.n_embd);
  writer.set_uint32("llama.block_count", s.n_layer);
  writer.set_uint32("llama.feed_forward_length", s.n_ff);
  writer.set_uint32("llama.attention.head_count", s.n_head);
  writer.set_uint32("llama.attention.head_count_kv", s.n_head_kv);
  writer.set_float32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  writer.set_float32("llama.rope.freq_base", 10000.0f);
  writer.set_uint32("llama.rope.dimension_count", head_dim);

  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<float> scores = {0, 0, 0};
  std::vector<int32_t> types = {2, 3, 3};
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    tokens.push_back({'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'});
    scores.push_back(0);
    types.push_back(6);
  }
  while (tokens.size() < s.n_vocab) {
    tokens.push_back("\xe2\x96\x81w" + std::to_string(tokens.size()));
    scores.push_back(-static_cast<float>(tokens.size()));
    types.push_back(1);
  }
  writer.set_string("tokenizer.ggml.model", "llama");
  writer.set_string_array("tokenizer.ggml.tokens", tokens);
  writer.set_float32_array("tokenizer.ggml.scores", scores);
  writer.set_int32_array("tokenizer.ggml.token_type", types);
  writer.set_uint32("tokenizer.ggml.bos_token_id", 1);
  writer.set_uint32("tokenizer.ggml.eos_token_id", 2);
  writer.set_uint32("tokenizer.ggml.unknown_token_id", 0);

  TensorFactory factory(seed);
  auto add_matrix = [&](const std::string& name, TensorType type, uint64_t rows,
                        uint64_t cols) -> Status {
    const uint64_t dims[2] = {cols, rows};
    return writer.add_tensor(name, type, dims, factory.matrix(type, rows, cols));
  };
  auto add_norm = [&](const std::string& name, uint64_t n) -> Status {
    const uint64_t dims[1] = {n};
    return writer.add_tensor(name, TensorType::kF32, dims, factory.ones(n));
  };
  const uint64_t kv_width = uint64_t{s.n_head_kv} * head_dim;
  CLOISTER_TRY(add_matrix("token_embd.weight", base, s.n_vocab, s.n_embd));
  for (uint32_t l = 0; l < s.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    const TensorType bits = uses_more_bits(l, s.n_layer) ? more : base;
    CLOISTER_TRY(add_norm(p + "attn_norm.weight", s.n_embd));
    CLOISTER_TRY(add_matrix(p + "attn_q.weight", base, s.n_embd, s.n_embd));
    CLOISTER_TRY(add_matrix(p + "attn_k.weight", base, kv_width, s.n_embd));
    CLOISTER_TRY(add_matrix(p + "attn_v.weight", bits, kv_width, s.n_embd));
    CLOISTER_TRY(add_matrix(p + "attn_output.weight", base, s.n_embd, s.n_embd));
    CLOISTER_TRY(add_norm(p + "ffn_norm.weight", s.n_embd));
    CLOISTER_TRY(add_matrix(p + "ffn_gate.weight", base, s.n_ff, s.n_embd));
    CLOISTER_TRY(add_matrix(p + "ffn_up.weight", base, s.n_ff, s.n_embd));
    CLOISTER_TRY(add_matrix(p + "ffn_down.weight", bits, s.n_embd, s.n_ff));
  }
  CLOISTER_TRY(add_norm("output_norm.weight", s.n_embd));
  CLOISTER_TRY(add_matrix("output.weight", more, s.n_vocab, s.n_embd));
  return writer.write(path);
}

}  // namespace cloister::tools::engine_cli
