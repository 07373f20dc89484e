#include "engine/engine.h"

#include <map>

#include "engine/gguf/gguf.h"
#include "engine/model/transformer.h"
#include "engine/tokenizer/tokenizer.h"

namespace cloister::engine {
namespace {

constexpr uint32_t kDefaultContext = 4096;

std::string_view string_or_empty(const GgufFile& file, std::string_view key) {
  const GgufValue* value = file.find(key);
  return value != nullptr ? value->as_string().value_or("") : "";
}

ModelInfo describe(const GgufFile& file, const Transformer& transformer, const Tokenizer& tokenizer,
                   uint32_t context_length) {
  const ModelConfig& c = transformer.config();
  ModelInfo info;
  info.architecture = std::string(c.spec->name);
  info.name = std::string(string_or_empty(file, "general.name"));
  info.file_size = file.file_size();
  info.gguf_version = file.version();
  info.n_vocab = c.n_vocab;
  info.n_embd = c.n_embd;
  info.n_layer = c.n_layer;
  info.n_head = c.n_head;
  info.n_head_kv = c.n_head_kv;
  info.head_dim = c.head_dim;
  info.n_ff = c.n_ff;
  info.n_ctx_train = c.n_ctx_train;
  info.context_length = context_length;
  info.rope_freq_base = c.rope_freq_base;
  info.tied_embeddings = transformer.weights().tied_embeddings;
  info.llama3_rope_freqs = !transformer.weights().rope_freq_factors.empty();
  info.tokenizer_model =
      tokenizer.vocab().model() == TokenizerModel::kSentencePiece ? "llama" : "gpt2";
  info.tokenizer_pre = tokenizer.vocab().pre();
  std::map<std::string, uint32_t> types;
  for (const GgufTensor& tensor : file.tensors()) {
    info.n_params += tensor.elements;
    ++types[std::string(tensor_type_name(tensor.type))];
  }
  info.tensor_types.assign(types.begin(), types.end());
  const std::string_view chat_template = string_or_empty(file, "tokenizer.chat_template");
  info.chat_format = detect_chat_format(chat_template, tokenizer.vocab());
  return info;
}

}  // namespace

Model::~Model() = default;

Result<std::shared_ptr<const Model>> Model::load(const std::filesystem::path& path,
                                                 const LoadOptions& options) {
  std::shared_ptr<Model> model(new Model());
  CLOISTER_ASSIGN_OR_RETURN(GgufFile file, GgufFile::open(path));
  model->file_ = std::make_unique<GgufFile>(std::move(file));
  // Before the transformer loads: it may pack matrices and give their file
  // pages back, which reading every page afterwards would undo.
  if (options.prefault && model->file_->mapping()) {
    model->file_->mapping()->prefault(options.on_progress);
  }
  Result<Transformer> transformer = Transformer::load(*model->file_, options.pack_weights);
  if (!transformer.ok()) return transformer.error().with_context(path.string());
  model->transformer_ = std::make_unique<Transformer>(std::move(transformer).value());
  Result<Tokenizer> tokenizer = Tokenizer::from_gguf(*model->file_);
  if (!tokenizer.ok()) return tokenizer.error().with_context(path.string());
  model->tokenizer_ = std::make_unique<Tokenizer>(std::move(tokenizer).value());

  uint32_t context = options.context_length;
  if (context == 0) context = std::min(model->transformer_->config().n_ctx_train, kDefaultContext);
  if (context < 2 || context > (1u << 24)) {
    return Error(ErrorCode::kInvalidArgument,
                 "context length " + std::to_string(context) + " is out of range");
  }
  model->info_ = describe(*model->file_, *model->transformer_, *model->tokenizer_, context);
  return std::shared_ptr<const Model>(std::move(model));
}

std::vector<TokenId> Model::tokenize(std::string_view text, bool add_special,
                                     bool parse_special) const {
  return tokenizer_->encode(text, add_special, parse_special);
}

std::string Model::detokenize(std::span<const TokenId> tokens, bool render_special) const {
  return tokenizer_->decode(tokens, render_special);
}

Result<std::string> Model::apply_chat_template(std::span<const ChatMessage> messages,
                                               bool add_generation_prompt,
                                               std::string_view format_name) const {
  std::optional<ChatFormat> format = info_.chat_format;
  if (!format_name.empty()) {
    format = chat_format_from_name(format_name);
    if (!format) {
      return Error(ErrorCode::kInvalidArgument,
                   "unknown chat template '" + std::string(format_name) +
                       "' (chatml, llama3, llama2, mistral and phi3 are known)");
    }
  }
  if (!format) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the model has no chat template the engine recognizes; name one (chatml, "
                 "llama3, llama2, mistral, phi3) or use plain completion");
  }
  return render_chat(*format, messages, add_generation_prompt);
}

bool Model::is_end_of_generation(TokenId token) const {
  return tokenizer_->vocab().is_end_of_generation(token);
}

std::string_view finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength:
    case FinishReason::kContextFull: return "length";
    case FinishReason::kCancelled: return "cancelled";
  }
  return "stop";
}

}  // namespace cloister::engine
