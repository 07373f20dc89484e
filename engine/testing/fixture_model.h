// Tiny random-weight GGUF models, written with GgufWriter, for tests of every
// architecture family and tensor type. The vocabulary is small but real: a
// SentencePiece one (byte fallback plus a few pieces) for llama, and a
// byte-level BPE one (all 256 byte characters plus a few merges) for qwen2/3,
// each with the control tokens the chat formats need.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "engine/model/config.h"
#include "engine/tensor/tensor_type.h"

namespace cloister::engine::fixtures {

struct FixtureOptions {
  Architecture architecture = Architecture::kLlama;
  TensorType weight_type = TensorType::kF32;  // every 2-D tensor; 1-D ones stay F32
  uint32_t n_embd = 256;
  uint32_t n_layer = 2;
  uint32_t n_head = 4;
  uint32_t n_head_kv = 2;
  uint32_t head_dim = 64;  // written as attention.key_length/value_length if != n_embd/n_head
  uint32_t n_ff = 512;
  uint32_t n_ctx = 64;
  float rope_freq_base = 10000.0f;
  bool tied_embeddings = false;
  bool llama3_rope_freqs = false;   // write a rope_freqs.weight tensor (Llama 3.x scaling)
  float linear_rope_factor = 0.0f;  // > 0: rope.scaling.type = linear with this factor
  std::string chat_template;        // tokenizer.chat_template, if not empty
  std::vector<std::string> extra_control_tokens;
  // If set, the model predicts this token after every input (F32 only): the
  // blocks add nothing to the residual stream, every embedding's first
  // coordinate is positive, and the output reads only that coordinate.
  std::optional<int32_t> always_token;
  uint32_t seed = 1;
};

// Writes build_fixture_model(options) to a file in the temporary directory
// and returns its path; the file is removed when the returned object dies.
class FixtureFile {
 public:
  explicit FixtureFile(const FixtureOptions& options);
  FixtureFile(const FixtureFile&) = delete;
  FixtureFile& operator=(const FixtureFile&) = delete;
  ~FixtureFile();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Returns the bytes of a GGUF model file built as `options` says.
Bytes build_fixture_model(const FixtureOptions& options);

// Returns the RoPE factors build_fixture_model writes when llama3_rope_freqs is set.
std::vector<float> fixture_rope_freq_factors(const FixtureOptions& options);

}  // namespace cloister::engine::fixtures
