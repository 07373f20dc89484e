// A model's tensors, found by their GGUF names and checked against the
// configuration: shape, type (one the kernels can compute with) and
// alignment. Matrices stay in the memory mapping, unless packed for the
// blocked kernels; the small 1-D tensors (norms, biases, RoPE factors) are
// converted to float once.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "engine/gguf/gguf.h"
#include "engine/model/config.h"
#include "engine/tensor/matrix.h"
#include "engine/tensor/packed_weights.h"
#include "engine/tensor/tensor_type.h"

namespace cloister::engine {

struct LayerWeights {
  std::vector<float> attn_norm;
  Matrix wq, wk, wv, wo;
  std::vector<float> bq, bk, bv;      // empty when the model has no biases
  std::vector<float> q_norm, k_norm;  // per-head norms (qwen3); empty otherwise
  std::vector<float> ffn_norm;
  Matrix ffn_gate, ffn_up, ffn_down;
};

struct ModelWeights {
  Matrix token_embedding;  // n_vocab rows of n_embd
  std::vector<LayerWeights> layers;
  std::vector<float> output_norm;
  Matrix output;  // output.weight, or token_embd.weight when embeddings are tied
  bool tied_embeddings = false;
  std::vector<float> rope_freq_factors;  // n_rot / 2 divisors of the RoPE frequencies, or empty
  PackedWeights packed;                  // the matrices packed at load, if any
};

// Finds and checks every tensor the model in `file` needs, and (if
// `pack_matrices`) packs the matrices the active kernels multiply faster
// packed (packed_weights.h).
Result<ModelWeights> load_weights(const GgufFile& file, const ModelConfig& config,
                                  bool pack_matrices);

}  // namespace cloister::engine
