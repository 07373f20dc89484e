#include "engine/model/config.h"

#include <limits>

namespace cloister::engine {
namespace {

// Hard limits well beyond any real model, so that arithmetic on sizes
// cannot overflow and a hostile header cannot request absurd buffers.
constexpr uint64_t kMaxWidth = uint64_t{1} << 20;
constexpr uint64_t kMaxLayers = 1024;
constexpr uint64_t kMaxHeads = 4096;

Error invalid(std::string message) { return Error(ErrorCode::kMalformed, std::move(message)); }

Result<uint32_t> read_dimension(const GgufFile& file, const std::string& key, uint64_t max) {
  CLOISTER_ASSIGN_OR_RETURN(uint64_t value, file.get_uint(key));
  if (value == 0 || value > max) {
    return invalid("metadata " + key + " = " + std::to_string(value) + " is out of range (1 to " +
                   std::to_string(max) + ")");
  }
  return static_cast<uint32_t>(value);
}

Status read_rope_scaling(const GgufFile& file, const std::string& prefix, ModelConfig& config) {
  CLOISTER_ASSIGN_OR_RETURN(std::string_view type,
                            file.get_string_or(prefix + "rope.scaling.type", "none"));
  if (type == "none" || type == "llama3") {
    // llama3 scaling is carried by the rope_freqs.weight tensor.
  } else if (type == "linear") {
    CLOISTER_ASSIGN_OR_RETURN(double factor, file.get_float(prefix + "rope.scaling.factor"));
    if (!(factor >= 1.0 && factor <= 1024.0)) {
      return invalid("rope.scaling.factor " + std::to_string(factor) + " is out of range");
    }
    config.rope_freq_scale = static_cast<float>(1.0 / factor);
  } else {
    return Error(ErrorCode::kUnsupported,
                 "RoPE scaling type '" + std::string(type) + "' is not supported");
  }
  // The older spelling of linear scaling.
  if (const GgufValue* legacy = file.find(prefix + "rope.scale_linear"); legacy != nullptr) {
    std::optional<double> factor = legacy->as_float();
    if (!factor || !(*factor >= 1.0 && *factor <= 1024.0)) {
      return invalid("rope.scale_linear is not a factor in [1, 1024]");
    }
    config.rope_freq_scale = static_cast<float>(1.0 / *factor);
  }
  return ok_status();
}

}  // namespace

Result<const ArchitectureSpec*> find_architecture(std::string_view name) {
  for (const ArchitectureSpec* spec :
       {&llama_architecture(), &qwen2_architecture(), &qwen3_architecture()}) {
    if (spec->name == name) return spec;
  }
  return Error(ErrorCode::kUnsupported, "architecture '" + std::string(name) +
                                            "' is not supported (llama, qwen2 and qwen3 are)");
}

Result<ModelConfig> read_model_config(const GgufFile& file) {
  ModelConfig config;
  CLOISTER_ASSIGN_OR_RETURN(std::string_view arch, file.get_string("general.architecture"));
  CLOISTER_ASSIGN_OR_RETURN(config.spec, find_architecture(arch));
  const std::string prefix = std::string(arch) + ".";

  CLOISTER_ASSIGN_OR_RETURN(config.n_embd,
                            read_dimension(file, prefix + "embedding_length", kMaxWidth));
  CLOISTER_ASSIGN_OR_RETURN(config.n_layer,
                            read_dimension(file, prefix + "block_count", kMaxLayers));
  CLOISTER_ASSIGN_OR_RETURN(config.n_ff,
                            read_dimension(file, prefix + "feed_forward_length", kMaxWidth));
  CLOISTER_ASSIGN_OR_RETURN(config.n_head,
                            read_dimension(file, prefix + "attention.head_count", kMaxHeads));
  config.n_head_kv = config.n_head;
  if (file.find(prefix + "attention.head_count_kv") != nullptr) {
    CLOISTER_ASSIGN_OR_RETURN(config.n_head_kv,
                              read_dimension(file, prefix + "attention.head_count_kv", kMaxHeads));
  }
  if (config.n_head % config.n_head_kv != 0) {
    return invalid("attention.head_count " + std::to_string(config.n_head) +
                   " is not a multiple of attention.head_count_kv " +
                   std::to_string(config.n_head_kv));
  }
  config.head_dim = config.n_embd / config.n_head;
  if (file.find(prefix + "attention.key_length") != nullptr) {
    CLOISTER_ASSIGN_OR_RETURN(config.head_dim,
                              read_dimension(file, prefix + "attention.key_length", kMaxWidth));
  } else if (config.n_embd % config.n_head != 0) {
    return invalid("embedding_length is not a multiple of attention.head_count");
  }
  config.value_dim = config.head_dim;
  if (file.find(prefix + "attention.value_length") != nullptr) {
    CLOISTER_ASSIGN_OR_RETURN(config.value_dim,
                              read_dimension(file, prefix + "attention.value_length", kMaxWidth));
  }
  if (config.head_dim == 0) return invalid("the attention head width is zero");

  CLOISTER_ASSIGN_OR_RETURN(uint64_t n_ctx, file.get_uint_or(prefix + "context_length", 2048));
  if (n_ctx == 0 || n_ctx > (uint64_t{1} << 24)) {
    return invalid("context_length " + std::to_string(n_ctx) + " is out of range");
  }
  config.n_ctx_train = static_cast<uint32_t>(n_ctx);

  CLOISTER_ASSIGN_OR_RETURN(uint64_t n_rot,
                            file.get_uint_or(prefix + "rope.dimension_count", config.head_dim));
  if (n_rot == 0 || n_rot > config.head_dim || n_rot % 2 != 0) {
    return invalid("rope.dimension_count " + std::to_string(n_rot) +
                   " must be even and at most the head width " + std::to_string(config.head_dim));
  }
  config.n_rot = static_cast<uint32_t>(n_rot);

  CLOISTER_ASSIGN_OR_RETURN(double eps,
                            file.get_float_or(prefix + "attention.layer_norm_rms_epsilon", 1e-5));
  if (!(eps > 0.0 && eps < 1.0)) return invalid("layer_norm_rms_epsilon is out of range");
  config.rms_eps = static_cast<float>(eps);

  CLOISTER_ASSIGN_OR_RETURN(double base, file.get_float_or(prefix + "rope.freq_base", 10000.0));
  if (!(base > 1.0 && base < 1e12)) return invalid("rope.freq_base is out of range");
  config.rope_freq_base = static_cast<float>(base);
  CLOISTER_TRY(read_rope_scaling(file, prefix, config));

  const GgufTensor* embedding = file.find_tensor("token_embd.weight");
  if (embedding == nullptr) {
    return Error(ErrorCode::kNotFound, "the model has no token_embd.weight tensor");
  }
  if (embedding->dims.size() != 2 || embedding->dims[1] == 0 ||
      embedding->dims[1] > std::numeric_limits<int32_t>::max()) {
    return invalid("token_embd.weight does not have the shape [n_embd, n_vocab]");
  }
  config.n_vocab = static_cast<uint32_t>(embedding->dims[1]);
  return config;
}

}  // namespace cloister::engine
