#include "engine/model/weights.h"

#include <cmath>

#include "engine/kernels/kernels.h"

namespace cloister::engine {
namespace {

std::string layer_name(uint32_t layer, std::string_view suffix) {
  return "blk." + std::to_string(layer) + "." + std::string(suffix);
}

std::string shape_string(const std::vector<uint64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(dims[i]);
  }
  return out + "]";
}

Result<const GgufTensor*> find(const GgufFile& file, const std::string& name) {
  const GgufTensor* tensor = file.find_tensor(name);
  if (tensor == nullptr) {
    return Error(ErrorCode::kNotFound, "the model has no tensor '" + name + "'");
  }
  return tensor;
}

Status check_computable(const GgufTensor& tensor) {
  if (!kernels::can_compute(tensor.type)) {
    return Error(ErrorCode::kUnsupported, "tensor '" + tensor.name + "' has type " +
                                              std::string(tensor_type_name(tensor.type)) +
                                              ", which the engine does not support");
  }
  if (reinterpret_cast<uintptr_t>(tensor.data.data()) % kernels::required_alignment(tensor.type) !=
      0) {
    return Error(ErrorCode::kMalformed,
                 "tensor '" + tensor.name + "' data is not aligned for its type");
  }
  return ok_status();
}

Result<Matrix> load_matrix(const GgufFile& file, const std::string& name, uint64_t cols,
                           uint64_t rows) {
  CLOISTER_ASSIGN_OR_RETURN(const GgufTensor* tensor, find(file, name));
  if (tensor->dims != std::vector<uint64_t>{cols, rows}) {
    return Error(ErrorCode::kMalformed, "tensor '" + name + "' has shape " +
                                            shape_string(tensor->dims) + ", expected " +
                                            shape_string({cols, rows}));
  }
  CLOISTER_TRY(check_computable(*tensor));
  Matrix matrix;
  matrix.name = name;
  matrix.type = tensor->type;
  matrix.rows = rows;
  matrix.cols = cols;
  matrix.row_stride = *row_bytes(tensor->type, cols);
  matrix.data = tensor->data;
  return matrix;
}

Result<std::vector<float>> load_vector(const GgufFile& file, const std::string& name,
                                       uint64_t length) {
  CLOISTER_ASSIGN_OR_RETURN(const GgufTensor* tensor, find(file, name));
  if (tensor->dims != std::vector<uint64_t>{length}) {
    return Error(ErrorCode::kMalformed, "tensor '" + name + "' has shape " +
                                            shape_string(tensor->dims) + ", expected [" +
                                            std::to_string(length) + "]");
  }
  CLOISTER_TRY(check_computable(*tensor));
  std::vector<float> values(length);
  kernels::dequantize_row(tensor->type, tensor->data, values);
  for (float v : values) {
    if (!std::isfinite(v)) {
      return Error(ErrorCode::kMalformed, "tensor '" + name + "' holds a non-finite value");
    }
  }
  return values;
}

// Loads `name` if the file has it; an absent tensor yields an empty vector.
Result<std::vector<float>> load_optional_vector(const GgufFile& file, const std::string& name,
                                                uint64_t length) {
  if (file.find_tensor(name) == nullptr) return std::vector<float>{};
  return load_vector(file, name, length);
}

Result<LayerWeights> load_layer(const GgufFile& file, const ModelConfig& c, uint32_t i) {
  LayerWeights layer;
  const uint64_t q_width = uint64_t{c.n_head} * c.head_dim;
  const uint64_t k_width = uint64_t{c.n_head_kv} * c.head_dim;
  const uint64_t v_width = uint64_t{c.n_head_kv} * c.value_dim;
  const uint64_t o_width = uint64_t{c.n_head} * c.value_dim;
  CLOISTER_ASSIGN_OR_RETURN(layer.attn_norm,
                            load_vector(file, layer_name(i, "attn_norm.weight"), c.n_embd));
  CLOISTER_ASSIGN_OR_RETURN(layer.wq,
                            load_matrix(file, layer_name(i, "attn_q.weight"), c.n_embd, q_width));
  CLOISTER_ASSIGN_OR_RETURN(layer.wk,
                            load_matrix(file, layer_name(i, "attn_k.weight"), c.n_embd, k_width));
  CLOISTER_ASSIGN_OR_RETURN(layer.wv,
                            load_matrix(file, layer_name(i, "attn_v.weight"), c.n_embd, v_width));
  CLOISTER_ASSIGN_OR_RETURN(
      layer.wo, load_matrix(file, layer_name(i, "attn_output.weight"), o_width, c.n_embd));
  if (c.spec->requires_qkv_bias) {
    CLOISTER_ASSIGN_OR_RETURN(layer.bq, load_vector(file, layer_name(i, "attn_q.bias"), q_width));
    CLOISTER_ASSIGN_OR_RETURN(layer.bk, load_vector(file, layer_name(i, "attn_k.bias"), k_width));
    CLOISTER_ASSIGN_OR_RETURN(layer.bv, load_vector(file, layer_name(i, "attn_v.bias"), v_width));
  } else {
    CLOISTER_ASSIGN_OR_RETURN(layer.bq,
                              load_optional_vector(file, layer_name(i, "attn_q.bias"), q_width));
    CLOISTER_ASSIGN_OR_RETURN(layer.bk,
                              load_optional_vector(file, layer_name(i, "attn_k.bias"), k_width));
    CLOISTER_ASSIGN_OR_RETURN(layer.bv,
                              load_optional_vector(file, layer_name(i, "attn_v.bias"), v_width));
  }
  if (c.spec->requires_qk_norm) {
    CLOISTER_ASSIGN_OR_RETURN(layer.q_norm,
                              load_vector(file, layer_name(i, "attn_q_norm.weight"), c.head_dim));
    CLOISTER_ASSIGN_OR_RETURN(layer.k_norm,
                              load_vector(file, layer_name(i, "attn_k_norm.weight"), c.head_dim));
  }
  CLOISTER_ASSIGN_OR_RETURN(layer.ffn_norm,
                            load_vector(file, layer_name(i, "ffn_norm.weight"), c.n_embd));
  CLOISTER_ASSIGN_OR_RETURN(layer.ffn_gate,
                            load_matrix(file, layer_name(i, "ffn_gate.weight"), c.n_embd, c.n_ff));
  CLOISTER_ASSIGN_OR_RETURN(layer.ffn_up,
                            load_matrix(file, layer_name(i, "ffn_up.weight"), c.n_embd, c.n_ff));
  CLOISTER_ASSIGN_OR_RETURN(layer.ffn_down,
                            load_matrix(file, layer_name(i, "ffn_down.weight"), c.n_ff, c.n_embd));
  return layer;
}

}  // namespace

Result<ModelWeights> load_weights(const GgufFile& file, const ModelConfig& config,
                                  bool pack_matrices) {
  ModelWeights weights;
  CLOISTER_ASSIGN_OR_RETURN(weights.token_embedding,
                            load_matrix(file, "token_embd.weight", config.n_embd, config.n_vocab));
  weights.layers.reserve(config.n_layer);
  for (uint32_t i = 0; i < config.n_layer; ++i) {
    CLOISTER_ASSIGN_OR_RETURN(LayerWeights layer, load_layer(file, config, i));
    weights.layers.push_back(std::move(layer));
  }
  CLOISTER_ASSIGN_OR_RETURN(weights.output_norm,
                            load_vector(file, "output_norm.weight", config.n_embd));
  if (file.find_tensor("output.weight") != nullptr) {
    CLOISTER_ASSIGN_OR_RETURN(weights.output,
                              load_matrix(file, "output.weight", config.n_embd, config.n_vocab));
  } else {
    weights.output = weights.token_embedding;
    weights.tied_embeddings = true;
  }
  CLOISTER_ASSIGN_OR_RETURN(weights.rope_freq_factors,
                            load_optional_vector(file, "rope_freqs.weight", config.n_rot / 2));
  for (float factor : weights.rope_freq_factors) {
    if (!(factor > 0.0f)) {
      return Error(ErrorCode::kMalformed, "rope_freqs.weight holds a factor that is not positive");
    }
  }
  if (!pack_matrices) return weights;
  // The token embedding is read a row at a time, so it stays in the file.
  std::vector<Matrix*> matrices;
  for (LayerWeights& layer : weights.layers) {
    for (Matrix* m : {&layer.wq, &layer.wk, &layer.wv, &layer.wo, &layer.ffn_gate, &layer.ffn_up,
                      &layer.ffn_down}) {
      matrices.push_back(m);
    }
  }
  matrices.push_back(&weights.output);
  weights.packed = PackedWeights::pack(matrices, file.mapping().get());
  return weights;
}

}  // namespace cloister::engine
