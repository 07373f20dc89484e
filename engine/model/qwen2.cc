// Qwen2 and Qwen2.5: llama's block with biases on the Q, K and V projections
// and NEOX-style RoPE.
#include "engine/model/config.h"

namespace cloister::engine {

const ArchitectureSpec& qwen2_architecture() {
  static constexpr ArchitectureSpec kSpec{
      .architecture = Architecture::kQwen2,
      .name = "qwen2",
      .rope_style = RopeStyle::kNeox,
      .requires_qkv_bias = true,
      .requires_qk_norm = false,
  };
  return kSpec;
}

}  // namespace cloister::engine
