// Random-weight models of every architecture family and tensor type, written
// by GgufWriter, run through the engine and through a straightforward
// double-precision forward pass written here from the model definitions.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/kernels/fp16.h"
#include "engine/kernels/kernels.h"
#include "engine/model/transformer.h"
#include "engine/testing/fixture_model.h"

namespace cloister::engine {
namespace {

using Vector = std::vector<double>;

// How the reference treats the input of a matrix product. kExact keeps it in
// double; kLikeGgml first rounds it the way ggml (and so the engine) feeds
// quantized rows: to Q8_0 blocks of 32 for Q4_0/Q4_1/Q5_0/Q5_1/Q8_0 rows, to Q8_K blocks of
// 256 for K-quant rows. Written here from ggml's quantize_row_q8_0_ref and
// quantize_row_q8_K_ref, not taken from the engine.
enum class Activations { kExact, kLikeGgml };

// The engine computes in float and the reference in double, so their inputs
// to a rounding differ by ~1e-7 relative. Where a rounding decision lies
// closer than that to its boundary, the two may legitimately decide
// differently, and (rounding being discontinuous) the difference grows
// through later roundings to the size of the rounding noise itself. Such
// decisions are flagged so that the test compares later logits against the
// exact reference instead.
bool near_half_integer(float t) {
  return std::fabs(std::fabs(t - std::trunc(t)) - 0.5f) < 5e-7f * std::max(1.0f, std::fabs(t));
}

bool near_fp16_rounding_boundary(float d) {
  return kernels::f32_to_fp16(d * (1 - 5e-7f)) != kernels::f32_to_fp16(d * (1 + 5e-7f));
}

Vector round_like_ggml(TensorType type, const Vector& x, bool* ambiguous) {
  Vector out(x.size());
  if (type == TensorType::kQ8_0 || type == TensorType::kQ4_0 || type == TensorType::kQ4_1 ||
      type == TensorType::kQ5_0 || type == TensorType::kQ5_1) {
    for (size_t start = 0; start < x.size(); start += 32) {
      float amax = 0;
      for (size_t i = start; i < start + 32; ++i) amax = std::max(amax, std::fabs(float(x[i])));
      const float d = amax / 127;
      const float id = d != 0 ? 1 / d : 0;
      const float stored_d = kernels::fp16_to_f32(kernels::f32_to_fp16(d));
      if (near_fp16_rounding_boundary(d)) *ambiguous = true;
      for (size_t i = start; i < start + 32; ++i) {
        out[i] = double{stored_d} * std::round(float(x[i]) * id);
        if (near_half_integer(float(x[i]) * id)) *ambiguous = true;
      }
    }
    return out;
  }
  if (type == TensorType::kQ4_K || type == TensorType::kQ5_K || type == TensorType::kQ6_K) {
    for (size_t start = 0; start < x.size(); start += 256) {
      float max = 0;
      for (size_t i = start; i < start + 256; ++i) {
        if (std::fabs(float(x[i])) > std::fabs(max)) max = float(x[i]);
      }
      const float iscale = max != 0 ? -127.0f / max : 0;
      for (size_t i = start; i < start + 256; ++i) {
        const float q = std::min(127.0f, std::nearbyint(iscale * float(x[i])));
        if (near_half_integer(iscale * float(x[i]))) *ambiguous = true;
        out[i] = max != 0 ? double{1 / iscale} * q : 0.0;
      }
    }
    return out;
  }
  return x;
}

// A dense double-precision copy of one weight matrix: rows x cols.
struct DenseMatrix {
  TensorType type = TensorType::kF32;
  size_t rows = 0;
  size_t cols = 0;
  std::vector<double> values;

  // Returns this * input; sets *ambiguous if a rounding was near its boundary.
  Vector times(const Vector& input, Activations activations, bool* ambiguous) const {
    const Vector x =
        activations == Activations::kLikeGgml ? round_like_ggml(type, input, ambiguous) : input;
    Vector y(rows, 0.0);
    for (size_t r = 0; r < rows; ++r) {
      for (size_t c = 0; c < cols; ++c) y[r] += values[r * cols + c] * x[c];
    }
    return y;
  }
};

DenseMatrix dense(const GgufFile& file, const std::string& name) {
  const GgufTensor* tensor = file.find_tensor(name);
  EXPECT_NE(tensor, nullptr) << name;
  DenseMatrix m;
  m.type = tensor->type;
  m.cols = tensor->dims[0];
  m.rows = tensor->dims.size() > 1 ? tensor->dims[1] : 1;
  const uint64_t stride = *row_bytes(tensor->type, m.cols);
  std::vector<float> row(m.cols);
  for (size_t r = 0; r < m.rows; ++r) {
    kernels::dequantize_row(tensor->type, tensor->data.subspan(r * stride, stride), row);
    m.values.insert(m.values.end(), row.begin(), row.end());
  }
  return m;
}

Vector dense_vector(const GgufFile& file, const std::string& name) {
  if (file.find_tensor(name) == nullptr) return {};
  return dense(file, name).values;
}

Vector rms_normalized(const Vector& x, const Vector& weight, double eps) {
  double mean_square = 0;
  for (double v : x) mean_square += v * v / x.size();
  Vector out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = x[i] / std::sqrt(mean_square + eps) * weight[i];
  return out;
}

// The reference: every formula spelled out, in double precision.
class ReferenceModel {
 public:
  ReferenceModel(const GgufFile& file, const fixtures::FixtureOptions& options,
                 Activations activations)
      : o_(options), file_(file), a_(activations) {}

  // Returns the logits after each of `tokens`. With kLikeGgml, also sets
  // *first_ambiguous to the first position whose logits depend on a rounding
  // decision that lay too close to its boundary (tokens.size() if none).
  std::vector<Vector> run(const std::vector<TokenId>& tokens,
                          size_t* first_ambiguous = nullptr) const {
    bool ambiguous = false;
    if (first_ambiguous != nullptr) *first_ambiguous = tokens.size();
    const std::string arch = o_.architecture == Architecture::kLlama   ? "llama"
                             : o_.architecture == Architecture::kQwen2 ? "qwen2"
                                                                       : "qwen3";
    const double eps = *file_.get_float(arch + ".attention.layer_norm_rms_epsilon");
    const DenseMatrix embedding = dense(file_, "token_embd.weight");
    const DenseMatrix output =
        dense(file_, o_.tied_embeddings ? "token_embd.weight" : "output.weight");
    const Vector output_norm = dense_vector(file_, "output_norm.weight");
    const size_t d = o_.head_dim;
    const size_t group = o_.n_head / o_.n_head_kv;

    // keys[layer][pos], values[layer][pos]
    std::vector<std::vector<Vector>> keys(o_.n_layer), values(o_.n_layer);
    std::vector<Vector> all_logits;
    for (size_t pos = 0; pos < tokens.size(); ++pos) {
      Vector x(embedding.values.begin() + tokens[pos] * embedding.cols,
               embedding.values.begin() + (tokens[pos] + 1) * embedding.cols);
      for (uint32_t l = 0; l < o_.n_layer; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        Vector h = rms_normalized(x, dense_vector(file_, p + "attn_norm.weight"), eps);
        Vector q = dense(file_, p + "attn_q.weight").times(h, a_, &ambiguous);
        Vector k = dense(file_, p + "attn_k.weight").times(h, a_, &ambiguous);
        Vector v = dense(file_, p + "attn_v.weight").times(h, a_, &ambiguous);
        add(q, dense_vector(file_, p + "attn_q.bias"));
        add(k, dense_vector(file_, p + "attn_k.bias"));
        add(v, dense_vector(file_, p + "attn_v.bias"));
        const Vector q_norm = dense_vector(file_, p + "attn_q_norm.weight");
        const Vector k_norm = dense_vector(file_, p + "attn_k_norm.weight");
        for (size_t head = 0; head < o_.n_head; ++head) transform_head(q, head, pos, q_norm, eps);
        for (size_t head = 0; head < o_.n_head_kv; ++head)
          transform_head(k, head, pos, k_norm, eps);
        keys[l].push_back(cached(k, &ambiguous));
        values[l].push_back(cached(v, &ambiguous));

        Vector attended(o_.n_head * d, 0.0);
        for (size_t head = 0; head < o_.n_head; ++head) {
          const size_t kv = head / group;
          Vector weights(pos + 1);
          double max = -1e300;
          for (size_t t = 0; t <= pos; ++t) {
            double dot = 0;
            for (size_t i = 0; i < d; ++i) dot += q[head * d + i] * keys[l][t][kv * d + i];
            weights[t] = dot / std::sqrt(static_cast<double>(d));
            max = std::max(max, weights[t]);
          }
          double sum = 0;
          for (double& w : weights) sum += (w = std::exp(w - max));
          for (size_t t = 0; t <= pos; ++t) {
            for (size_t i = 0; i < d; ++i) {
              attended[head * d + i] += weights[t] / sum * values[l][t][kv * d + i];
            }
          }
        }
        add(x, dense(file_, p + "attn_output.weight").times(attended, a_, &ambiguous));

        h = rms_normalized(x, dense_vector(file_, p + "ffn_norm.weight"), eps);
        Vector gate = dense(file_, p + "ffn_gate.weight").times(h, a_, &ambiguous);
        const Vector up = dense(file_, p + "ffn_up.weight").times(h, a_, &ambiguous);
        for (size_t i = 0; i < gate.size(); ++i)
          gate[i] = gate[i] / (1 + std::exp(-gate[i])) * up[i];
        add(x, dense(file_, p + "ffn_down.weight").times(gate, a_, &ambiguous));
      }
      all_logits.push_back(output.times(rms_normalized(x, output_norm, eps), a_, &ambiguous));
      if (ambiguous && first_ambiguous != nullptr && *first_ambiguous == tokens.size()) {
        *first_ambiguous = pos;
      }
    }
    return all_logits;
  }

 private:
  // ggml keeps the KV cache in IEEE halves (llama.cpp's default), and so does
  // the engine. A key or value within float rounding of a half's rounding
  // boundary may round the other way in the engine: one half step (2^-11
  // relative), harmless where activations stay float, but in front of an
  // 8-bit activation rounding it can tip that rounding, so there it is
  // flagged like an activation's.
  Vector cached(const Vector& x, bool* ambiguous) const {
    if (a_ != Activations::kLikeGgml) return x;
    const bool float_weights = o_.weight_type == TensorType::kF32 ||
                               o_.weight_type == TensorType::kF16 ||
                               o_.weight_type == TensorType::kBF16;
    Vector out(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      const auto value = static_cast<float>(x[i]);
      if (!float_weights && near_fp16_rounding_boundary(value)) *ambiguous = true;
      out[i] = kernels::fp16_to_f32(kernels::f32_to_fp16(value));
    }
    return out;
  }

  static void add(Vector& x, const Vector& y) {
    for (size_t i = 0; i < y.size(); ++i) x[i] += y[i];
  }

  // Optional per-head RMSNorm (qwen3), then RoPE at `pos`.
  void transform_head(Vector& x, size_t head, size_t pos, const Vector& norm, double eps) const {
    const size_t d = o_.head_dim;
    Vector v(x.begin() + head * d, x.begin() + (head + 1) * d);
    if (!norm.empty()) v = rms_normalized(v, norm, eps);
    const std::vector<float> factors =
        o_.llama3_rope_freqs ? fixtures::fixture_rope_freq_factors(o_) : std::vector<float>{};
    const double scale = o_.linear_rope_factor > 0 ? 1.0 / o_.linear_rope_factor : 1.0;
    Vector rotated = v;
    for (size_t i = 0; i < d / 2; ++i) {
      double angle = pos * scale * std::pow(double{o_.rope_freq_base}, -2.0 * i / d);
      if (!factors.empty()) angle /= factors[i];
      // llama rotates neighbours (2i, 2i+1); qwen (NEOX) rotates (i, i + d/2).
      const size_t a = o_.architecture == Architecture::kLlama ? 2 * i : i;
      const size_t b = o_.architecture == Architecture::kLlama ? 2 * i + 1 : i + d / 2;
      rotated[a] = v[a] * std::cos(angle) - v[b] * std::sin(angle);
      rotated[b] = v[a] * std::sin(angle) + v[b] * std::cos(angle);
    }
    std::copy(rotated.begin(), rotated.end(), x.begin() + head * d);
  }

  fixtures::FixtureOptions o_;
  const GgufFile& file_;
  Activations a_;
};

struct ForwardCase {
  std::string name;
  fixtures::FixtureOptions options;
};

// Largest engine-vs-reference logit difference, relative to the RMS of the
// reference logits.
//
// Against the reference that rounds activations like ggml, every type should
// agree to float32 rounding: ~1e-7 per operation, grown by sums of a few
// hundred terms and two layers to ~1e-6 (measured: at most 9e-7). Positions
// after an ambiguous rounding are left to the exact comparison. A rounding
// that lies just outside the ambiguity margin can still go the other way; it
// moves one activation by one step (~0.8% of its block's largest value) in one
// matrix product, which shifts the logits by ~1e-3 of their RMS at most, and
// the tolerance allows that much. A wrong kernel, norm, RoPE or attention
// would be off by far more.
//
// Against the exact reference, the float types agree to ~1e-3: the KV cache
// holds halves, which round every key and value by up to 2^-12 relative
// (measured: at most 1.6e-3 of the logits' RMS over two layers). The
// quantized types differ by the activation rounding itself: ~0.3% RMS per
// activation for Q8_0 (blocks of 32, step = max/127, max ~ 2.1 sigma) and
// ~0.4% for Q8_K (blocks of 256, max ~ 2.8 sigma), compounding over the 15
// matrix products of two layers to a few percent RMS per logit; the largest of
// ~2000 logits then sits at ~3.5 standard deviations.
constexpr double kLikeGgmlTolerance = 2e-3;

double exact_tolerance(TensorType type) {
  switch (type) {
    case TensorType::kF32:
    case TensorType::kF16:
    case TensorType::kBF16: return 3e-3;
    case TensorType::kQ8_0:
    case TensorType::kQ4_0:
    case TensorType::kQ4_1:
    case TensorType::kQ5_0:
    case TensorType::kQ5_1: return 0.12;
    default: return 0.16;
  }
}

class ForwardTest : public ::testing::TestWithParam<ForwardCase> {};

TEST_P(ForwardTest, LogitsMatchADoublePrecisionReference) {
  const fixtures::FixtureOptions& options = GetParam().options;
  const Bytes bytes = fixtures::build_fixture_model(options);
  Result<GgufFile> file = GgufFile::parse(bytes);
  ASSERT_TRUE(file.ok()) << file.error().message();
  Result<Transformer> model = Transformer::load(*file);
  ASSERT_TRUE(model.ok()) << model.error().message();
  EXPECT_EQ(model->weights().tied_embeddings, options.tied_embeddings);
  EXPECT_EQ(model->weights().rope_freq_factors.empty(), !options.llama3_rope_freqs);

  const std::vector<TokenId> tokens = {1, 70, 5, 200, 33, 70, 9};
  size_t first_ambiguous = 0;
  const std::vector<Vector> like_ggml =
      ReferenceModel(*file, options, Activations::kLikeGgml).run(tokens, &first_ambiguous);
  // The tight comparison must cover at least the first position.

  const std::vector<Vector> exact = ReferenceModel(*file, options, Activations::kExact).run(tokens);

  const ModelConfig& config = model->config();
  KvCache cache(config, 16);
  ForwardScratch scratch(config, 16);
  RopeAngles rope = model->make_rope();
  std::vector<float> logits(config.n_vocab);
  double worst_like_ggml = 0;
  double worst_exact = 0;
  for (size_t pos = 0; pos < tokens.size(); ++pos) {
    ASSERT_TRUE(model
                    ->forward(tokens[pos], static_cast<uint32_t>(pos), cache, scratch, rope, logits,
                              nullptr)
                    .ok());
    double rms = 0;
    for (double v : exact[pos]) rms += v * v / exact[pos].size();
    rms = std::sqrt(rms);
    ASSERT_GT(rms, 0.1);  // the fixture produces logits of a useful size
    for (size_t i = 0; i < logits.size(); ++i) {
      if (pos < first_ambiguous) {
        worst_like_ggml = std::max(worst_like_ggml, std::fabs(logits[i] - like_ggml[pos][i]) / rms);
      }
      worst_exact = std::max(worst_exact, std::fabs(logits[i] - exact[pos][i]) / rms);
    }
  }
  EXPECT_LE(worst_like_ggml, kLikeGgmlTolerance) << GetParam().name;
  EXPECT_LE(worst_exact, exact_tolerance(options.weight_type)) << GetParam().name;
  std::printf(
      "%-28s relative logit error: %.2g (ggml-rounded activations, %zu of %zu positions), %.2g "
      "(exact)\n",
      GetParam().name.c_str(), worst_like_ggml, first_ambiguous, tokens.size(), worst_exact);
}

std::vector<ForwardCase> all_cases() {
  std::vector<ForwardCase> cases;
  const TensorType types[] = {TensorType::kF32,  TensorType::kF16,  TensorType::kBF16,
                              TensorType::kQ8_0, TensorType::kQ4_0, TensorType::kQ4_1,
                              TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ4_K,
                              TensorType::kQ5_K, TensorType::kQ6_K};
  for (TensorType type : types) {
    const std::string suffix = "_" + std::string(tensor_type_name(type));
    fixtures::FixtureOptions llama;
    llama.architecture = Architecture::kLlama;
    llama.weight_type = type;
    llama.llama3_rope_freqs = true;
    llama.rope_freq_base = 500000.0f;
    cases.push_back({"llama" + suffix, llama});

    fixtures::FixtureOptions qwen2;
    qwen2.architecture = Architecture::kQwen2;
    qwen2.weight_type = type;
    qwen2.tied_embeddings = true;
    qwen2.seed = 2;
    cases.push_back({"qwen2" + suffix, qwen2});

    fixtures::FixtureOptions qwen3;
    qwen3.architecture = Architecture::kQwen3;
    qwen3.weight_type = type;
    qwen3.head_dim = 128;  // n_head * head_dim = 512 != n_embd
    qwen3.rope_freq_base = 1000000.0f;
    qwen3.seed = 3;
    cases.push_back({"qwen3" + suffix, qwen3});
  }
  fixtures::FixtureOptions scaled;
  scaled.architecture = Architecture::kLlama;
  scaled.tied_embeddings = true;
  scaled.linear_rope_factor = 4.0f;
  scaled.n_head_kv = 1;  // multi-query attention
  cases.push_back({"llama_linear_rope_mqa_f32", scaled});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllArchitecturesAndTypes, ForwardTest, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<ForwardCase>& param_info) {
                           return param_info.param.name;
                         });

TEST(Forward, ContextOverflowIsAClearError) {
  fixtures::FixtureOptions options;
  const Bytes bytes = fixtures::build_fixture_model(options);
  Result<GgufFile> file = GgufFile::parse(bytes);
  ASSERT_TRUE(file.ok());
  Result<Transformer> model = Transformer::load(*file);
  ASSERT_TRUE(model.ok());
  KvCache cache(model->config(), 4);
  ForwardScratch scratch(model->config(), 4);
  RopeAngles rope = model->make_rope();
  std::vector<float> logits(model->config().n_vocab);
  for (uint32_t pos = 0; pos < 4; ++pos) {
    ASSERT_TRUE(model->forward(5, pos, cache, scratch, rope, logits, nullptr).ok());
  }
  Status overflow = model->forward(5, 4, cache, scratch, rope, logits, nullptr);
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(overflow.error().message().find("context overflow"), std::string::npos);
  Status bad_token = model->forward(100000, 0, cache, scratch, rope, logits, nullptr);
  EXPECT_EQ(bad_token.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cloister::engine
