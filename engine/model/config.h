// A model's hyperparameters, read from GGUF metadata (`<arch>.*` keys) and
// checked for consistency before any tensor is touched.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "engine/gguf/gguf.h"

namespace cloister::engine {

enum class Architecture { kLlama, kQwen2, kQwen3 };

// How RoPE pairs up the dimensions of a head: llama rotates adjacent pairs
// (2i, 2i+1); NEOX (qwen2, qwen3) rotates (i, i + n_rot/2).
enum class RopeStyle { kAdjacentPairs, kNeox };

// What differs between the supported architecture families. Each family's
// file (llama.cc, qwen2.cc, qwen3.cc) defines one of these.
struct ArchitectureSpec {
  Architecture architecture;
  std::string_view name;  // general.architecture and the metadata key prefix
  RopeStyle rope_style;
  bool requires_qkv_bias;  // qwen2: Q, K and V projections have biases
  bool requires_qk_norm;   // qwen3: per-head RMSNorm of Q and K before RoPE
};

const ArchitectureSpec& llama_architecture();
const ArchitectureSpec& qwen2_architecture();
const ArchitectureSpec& qwen3_architecture();

// Returns the spec for general.architecture `name`, or kUnsupported naming it.
Result<const ArchitectureSpec*> find_architecture(std::string_view name);

struct ModelConfig {
  const ArchitectureSpec* spec = nullptr;
  uint32_t n_vocab = 0;  // rows of the embedding matrix
  uint32_t n_embd = 0;   // width of the residual stream
  uint32_t n_layer = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;    // < n_head means grouped-query attention
  uint32_t head_dim = 0;     // per-head width of Q and K
  uint32_t value_dim = 0;    // per-head width of V
  uint32_t n_ff = 0;         // hidden width of the feed-forward block
  uint32_t n_ctx_train = 0;  // context length the model was trained for
  uint32_t n_rot = 0;        // leading dimensions of each head that RoPE rotates
  float rms_eps = 1e-5f;
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // linear RoPE scaling: positions are multiplied by this
};

// Reads and validates the hyperparameters of the model in `file`.
Result<ModelConfig> read_model_config(const GgufFile& file);

}  // namespace cloister::engine
