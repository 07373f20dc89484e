// Qwen3 (dense): no QKV biases, but an RMSNorm over each head of Q and K
// before RoPE (NEOX style). The head width is given explicitly
// (attention.key_length), and need not be n_embd / n_head.
#include "engine/model/config.h"

namespace cloister::engine {

const ArchitectureSpec& qwen3_architecture() {
  static constexpr ArchitectureSpec kSpec{
      .architecture = Architecture::kQwen3,
      .name = "qwen3",
      .rope_style = RopeStyle::kNeox,
      .requires_qkv_bias = false,
      .requires_qk_norm = true,
  };
  return kSpec;
}

}  // namespace cloister::engine
