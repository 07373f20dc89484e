// Random-weight GGUF models of a fixed shape, for measuring speed: decode and
// prefill speed do not depend on the weight values, only on the shape and the
// tensor types. The vocabulary is a valid SentencePiece one of filler pieces.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "base/result.h"

namespace cloister::tools::engine_cli {

struct RandomModelShape {
  uint32_t n_embd = 2048;
  uint32_t n_layer = 22;
  uint32_t n_head = 32;
  uint32_t n_head_kv = 4;
  uint32_t n_ff = 5632;
  uint32_t n_vocab = 32000;
};

// Returns the shape named `name`: "tinyllama" (TinyLlama-1.1B) or "125m" (a
// 12-layer, 768-wide llama of about 125M parameters).
Result<RandomModelShape> random_model_shape(std::string_view name);

// Writes a llama-architecture model of `shape` to `path` with its weights in
// `quantization`: "q8_0" (every matrix Q8_0) or "q4_k_m" (llama.cpp's mix:
// Q4_K, with Q6_K for the output and for attn_v / ffn_down in the layers
// llama.cpp gives more bits).
Status write_random_model(const std::filesystem::path& path, const RandomModelShape& shape,
                          std::string_view quantization, uint32_t seed);

}  // namespace cloister::tools::engine_cli
