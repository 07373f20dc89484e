// The llama family: Llama 2 and 3.x, Mistral, TinyLlama, SmolLM2. RoPE over
// adjacent pairs (the GGUF converter permutes Q/K rows to make this so);
// Llama 3.x adds per-frequency factors in a `rope_freqs.weight` tensor.
#include "engine/model/config.h"

namespace cloister::engine {

const ArchitectureSpec& llama_architecture() {
  static constexpr ArchitectureSpec kSpec{
      .architecture = Architecture::kLlama,
      .name = "llama",
      .rope_style = RopeStyle::kAdjacentPairs,
      .requires_qkv_bias = false,
      .requires_qk_norm = false,
  };
  return kSpec;
}

}  // namespace cloister::engine
