#include "engine/testing/fixture_model.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "base/files.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/kernels/kernels.h"
#include "engine/model/rope.h"
#include "engine/tokenizer/unicode.h"

namespace cloister::engine::fixtures {
namespace {

constexpr std::string_view kSpmSpace = "\xe2\x96\x81";

struct FixtureVocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  std::vector<std::string> merges;

  void add(std::string text, float score, int32_t type) {
    tokens.push_back(std::move(text));
    scores.push_back(score);
    types.push_back(type);
  }
};

FixtureVocab sentencepiece_vocab(const FixtureOptions& options) {
  FixtureVocab vocab;
  vocab.add("<unk>", 0, 2);
  vocab.add("<s>", 0, 3);
  vocab.add("</s>", 0, 3);
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) vocab.add({'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'}, 0, 6);
  vocab.add(std::string(kSpmSpace), -1, 1);
  float score = -2;
  for (char c = 'a'; c <= 'z'; ++c) vocab.add(std::string(1, c), score -= 0.01f, 1);
  for (char c = 'a'; c <= 'z'; ++c) vocab.add(std::string(kSpmSpace) + c, score -= 0.01f, 1);
  for (const char* piece : {"he", "th", "in", "er", "lo", "ll", "llo", "hello", "the"}) {
    vocab.add(piece, -1.5f, 1);
    vocab.add(std::string(kSpmSpace) + piece, -1.2f, 1);
  }
  for (const char* piece : {",", ".", "!", "?", "[", "]", "/", "INST", "<<", ">>", "SYS"}) {
    vocab.add(piece, -1.8f, 1);
  }
  for (const std::string& extra : options.extra_control_tokens) vocab.add(extra, 0, 3);
  return vocab;
}

FixtureVocab byte_level_vocab(const FixtureOptions& options) {
  FixtureVocab vocab;
  for (int b = 0; b < 256; ++b) vocab.add(byte_level_char(static_cast<uint8_t>(b)), 0, 1);
  const std::string space = byte_level_char(' ');
  const std::vector<std::pair<std::string, std::string>> merges = {
      {"h", "e"},          {"l", "l"}, {"he", "ll"},         {"hell", "o"},
      {space, "t"},        {"h", "i"}, {space, "w"},         {"o", "r"},
      {space + "w", "or"}, {"l", "d"}, {space + "wor", "ld"}};
  for (const auto& [left, right] : merges) {
    vocab.merges.push_back(left);
    vocab.merges.back().append(" ").append(right);
    vocab.add(left + right, 0, 1);
  }
  for (const char* control : {"<|endoftext|>", "<|im_start|>", "<|im_end|>"}) {
    vocab.add(control, 0, 3);
  }
  for (const std::string& extra : options.extra_control_tokens) vocab.add(extra, 0, 3);
  return vocab;
}

class WeightWriter {
 public:
  WeightWriter(GgufWriter& writer, uint32_t seed) : writer_(writer), rng_(seed) {}

  // Random rows of `cols` values; `shape_row(r, values)` may then edit row r.
  template <typename ShapeRow>
  void matrix(const std::string& name, TensorType type, uint64_t cols, uint64_t rows,
              ShapeRow shape_row) {
    std::normal_distribution<float> normal(0.0f, 1.0f / std::sqrt(static_cast<float>(cols)));
    std::vector<float> values(cols);
    std::vector<uint8_t> data(*row_bytes(type, cols) * rows);
    const uint64_t stride = *row_bytes(type, cols);
    for (uint64_t r = 0; r < rows; ++r) {
      for (float& v : values) v = normal(rng_);
      shape_row(r, values);
      kernels::quantize_row(type, values, std::span<uint8_t>(data).subspan(r * stride, stride));
    }
    const std::vector<uint64_t> dims = {cols, rows};
    (void)writer_.add_tensor(name, type, dims, data);
  }

  void matrix(const std::string& name, TensorType type, uint64_t cols, uint64_t rows) {
    matrix(name, type, cols, rows, [](uint64_t, std::vector<float>&) {});
  }

  // A matrix of zeros.
  void zeros(const std::string& name, TensorType type, uint64_t cols, uint64_t rows) {
    matrix(name, type, cols, rows,
           [](uint64_t, std::vector<float>& row) { std::fill(row.begin(), row.end(), 0.0f); });
  }

  // A float vector around `center`.
  void vector(const std::string& name, uint64_t length, float center, float spread) {
    std::uniform_real_distribution<float> uniform(center - spread, center + spread);
    std::vector<float> values(length);
    for (float& v : values) v = uniform(rng_);
    f32_vector(name, values);
  }

  void f32_vector(const std::string& name, const std::vector<float>& values) {
    const std::vector<uint64_t> dims = {values.size()};
    (void)writer_.add_tensor(
        name, TensorType::kF32, dims,
        {reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(float)});
  }

 private:
  GgufWriter& writer_;
  std::mt19937 rng_;
};

std::string_view architecture_name(Architecture architecture) {
  switch (architecture) {
    case Architecture::kLlama: return "llama";
    case Architecture::kQwen2: return "qwen2";
    case Architecture::kQwen3: return "qwen3";
  }
  return "llama";
}

}  // namespace

std::vector<float> fixture_rope_freq_factors(const FixtureOptions& options) {
  // A short "original context" makes the factors differ from 1 for all but
  // the fastest frequencies, so that a test over a few positions sees them.
  return llama3_rope_freq_factors(options.head_dim, options.rope_freq_base, 8.0f, 1.0f, 4.0f, 16);
}

Bytes build_fixture_model(const FixtureOptions& o) {
  GgufWriter writer;
  const std::string arch(architecture_name(o.architecture));
  const bool spm = o.architecture == Architecture::kLlama;
  FixtureVocab vocab = spm ? sentencepiece_vocab(o) : byte_level_vocab(o);
  const auto n_vocab = static_cast<uint32_t>(vocab.tokens.size());

  writer.set_string("general.architecture", arch);
  writer.set_string("general.name", "fixture-" + arch);
  writer.set_uint32(arch + ".context_length", o.n_ctx);
  writer.set_uint32(arch + ".embedding_length", o.n_embd);
  writer.set_uint32(arch + ".block_count", o.n_layer);
  writer.set_uint32(arch + ".feed_forward_length", o.n_ff);
  writer.set_uint32(arch + ".attention.head_count", o.n_head);
  writer.set_uint32(arch + ".attention.head_count_kv", o.n_head_kv);
  writer.set_float32(arch + ".attention.layer_norm_rms_epsilon", 1e-6f);
  writer.set_float32(arch + ".rope.freq_base", o.rope_freq_base);
  writer.set_uint32(arch + ".rope.dimension_count", o.head_dim);
  if (o.head_dim * o.n_head != o.n_embd) {
    writer.set_uint32(arch + ".attention.key_length", o.head_dim);
    writer.set_uint32(arch + ".attention.value_length", o.head_dim);
  }
  if (o.linear_rope_factor > 0) {
    writer.set_string(arch + ".rope.scaling.type", "linear");
    writer.set_float32(arch + ".rope.scaling.factor", o.linear_rope_factor);
  }

  writer.set_string("tokenizer.ggml.model", spm ? "llama" : "gpt2");
  writer.set_string("tokenizer.ggml.pre", spm ? "default" : "qwen2");
  writer.set_string_array("tokenizer.ggml.tokens", vocab.tokens);
  writer.set_float32_array("tokenizer.ggml.scores", vocab.scores);
  writer.set_int32_array("tokenizer.ggml.token_type", vocab.types);
  if (spm) {
    writer.set_uint32("tokenizer.ggml.bos_token_id", 1);
    writer.set_uint32("tokenizer.ggml.eos_token_id", 2);
    writer.set_uint32("tokenizer.ggml.unknown_token_id", 0);
  } else {
    writer.set_string_array("tokenizer.ggml.merges", vocab.merges);
    writer.set_uint32("tokenizer.ggml.bos_token_id",
                      256 + static_cast<uint32_t>(vocab.merges.size()));
    writer.set_uint32("tokenizer.ggml.eos_token_id",
                      256 + static_cast<uint32_t>(vocab.merges.size()) + 2);
    writer.set_bool("tokenizer.ggml.add_bos_token", false);
  }
  if (!o.chat_template.empty()) writer.set_string("tokenizer.chat_template", o.chat_template);

  WeightWriter weights(writer, o.seed);
  const TensorType t = o.weight_type;
  const uint32_t q_width = o.n_head * o.head_dim;
  const uint32_t kv_width = o.n_head_kv * o.head_dim;
  const bool fixed = o.always_token.has_value();
  weights.matrix("token_embd.weight", t, o.n_embd, n_vocab, [&](uint64_t, std::vector<float>& row) {
    if (fixed) row[0] = 1.0f;
  });
  for (uint32_t i = 0; i < o.n_layer; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    weights.vector(p + "attn_norm.weight", o.n_embd, 1.0f, 0.2f);
    weights.matrix(p + "attn_q.weight", t, o.n_embd, q_width);
    weights.matrix(p + "attn_k.weight", t, o.n_embd, kv_width);
    weights.matrix(p + "attn_v.weight", t, o.n_embd, kv_width);
    if (fixed) {
      weights.zeros(p + "attn_output.weight", t, q_width, o.n_embd);
    } else {
      weights.matrix(p + "attn_output.weight", t, q_width, o.n_embd);
    }
    if (o.architecture == Architecture::kQwen2) {
      weights.vector(p + "attn_q.bias", q_width, 0.0f, 0.5f);
      weights.vector(p + "attn_k.bias", kv_width, 0.0f, 0.5f);
      weights.vector(p + "attn_v.bias", kv_width, 0.0f, 0.5f);
    }
    if (o.architecture == Architecture::kQwen3) {
      weights.vector(p + "attn_q_norm.weight", o.head_dim, 1.0f, 0.3f);
      weights.vector(p + "attn_k_norm.weight", o.head_dim, 1.0f, 0.3f);
    }
    weights.vector(p + "ffn_norm.weight", o.n_embd, 1.0f, 0.2f);
    weights.matrix(p + "ffn_gate.weight", t, o.n_embd, o.n_ff);
    weights.matrix(p + "ffn_up.weight", t, o.n_embd, o.n_ff);
    if (fixed) {
      weights.zeros(p + "ffn_down.weight", t, o.n_ff, o.n_embd);
    } else {
      weights.matrix(p + "ffn_down.weight", t, o.n_ff, o.n_embd);
    }
  }
  if (fixed) {
    std::vector<float> first_only(o.n_embd, 0.0f);
    first_only[0] = 1.0f;
    weights.f32_vector("output_norm.weight", first_only);
    weights.matrix("output.weight", t, o.n_embd, n_vocab, [&](uint64_t r, std::vector<float>& row) {
      row[0] = static_cast<int64_t>(r) == *o.always_token ? 1.0f : -1.0f;
    });
  } else {
    weights.vector("output_norm.weight", o.n_embd, 1.0f, 0.2f);
    if (!o.tied_embeddings) weights.matrix("output.weight", t, o.n_embd, n_vocab);
  }
  if (o.llama3_rope_freqs) weights.f32_vector("rope_freqs.weight", fixture_rope_freq_factors(o));
  return writer.finish();
}

FixtureFile::FixtureFile(const FixtureOptions& options) {
  static int counter = 0;
  path_ =
      std::filesystem::temp_directory_path() / ("cloister-fixture-" + std::to_string(::getpid()) +
                                                "-" + std::to_string(++counter) + ".gguf");
  const Bytes bytes = build_fixture_model(options);
  (void)write_file_atomically(path_, bytes);
}

FixtureFile::~FixtureFile() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

}  // namespace cloister::engine::fixtures
