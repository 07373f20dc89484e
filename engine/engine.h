// Cloister's embedded inference engine: the public interface.
//
//   auto model = Model::load("model.gguf");          // memory-mapped, validated
//   auto prompt = (*model)->apply_chat_template(messages, true);
//   auto tokens = (*model)->tokenize(*prompt, true, true);
//   generate(**model, tokens, options, [](std::string_view piece) { ... });
//
// A Model is immutable once loaded and may be shared between threads. A
// Generator holds the state of one or more sequences being decoded (KV
// caches, samplers) and is used by one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "engine/chat_template.h"
#include "engine/sampler.h"
#include "engine/token.h"

namespace cloister::engine {

class GgufFile;
class Tokenizer;
class Transformer;

// What a model is, as recorded in its file. None of it depends on a digest of
// the weights; callers that need one hash the file themselves.
struct ModelInfo {
  std::string architecture;  // general.architecture: llama, qwen2, qwen3
  std::string name;          // general.name, if present
  uint64_t file_size = 0;
  uint32_t gguf_version = 0;
  uint32_t n_vocab = 0;
  uint32_t n_embd = 0;
  uint32_t n_layer = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t head_dim = 0;
  uint32_t n_ff = 0;
  uint32_t n_ctx_train = 0;
  uint32_t context_length = 0;  // what generators use unless told otherwise
  float rope_freq_base = 0;
  bool tied_embeddings = false;
  bool llama3_rope_freqs = false;
  uint64_t n_params = 0;
  std::string tokenizer_model;  // "llama" (SentencePiece) or "gpt2" (byte-level BPE)
  std::string tokenizer_pre;
  std::vector<std::pair<std::string, uint32_t>> tensor_types;  // type name -> tensor count
  std::optional<ChatFormat> chat_format;  // recognized from the template or vocabulary
};

struct LoadOptions {
  // Context length for generators; 0 means min(trained length, 4096).
  uint32_t context_length = 0;
  // Read every page of the file during load, reporting (bytes done, total).
  bool prefault = false;
  // Pack the matrices the active kernels multiply faster packed
  // (engine/tensor/packed_weights.h); false keeps every weight in the file's
  // mapping, for comparison.
  bool pack_weights = true;
  std::function<void(uint64_t, uint64_t)> on_progress;
};

class Model {
 public:
  // Maps the GGUF file at `path` and checks that the engine can run it
  // (architecture, tensor shapes and types, tokenizer). Fails with a message
  // that names what is wrong.
  static Result<std::shared_ptr<const Model>> load(const std::filesystem::path& path,
                                                   const LoadOptions& options = {});

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;
  ~Model();

  const ModelInfo& info() const { return info_; }

  // Returns the tokens of `text`; see Tokenizer::encode for the flags.
  std::vector<TokenId> tokenize(std::string_view text, bool add_special, bool parse_special) const;

  // Returns the text of `tokens` (control tokens only with `render_special`).
  std::string detokenize(std::span<const TokenId> tokens, bool render_special = false) const;

  // Renders `messages` as a prompt in the model's chat format, or in the
  // format named by `format_name` if it is not empty. Fails if the model has
  // no recognizable format and none is named.
  Result<std::string> apply_chat_template(std::span<const ChatMessage> messages,
                                          bool add_generation_prompt,
                                          std::string_view format_name = {}) const;

  // Returns true if generating `token` ends the model's turn.
  bool is_end_of_generation(TokenId token) const;

  // The parts, for tools and tests that need to look inside.
  const GgufFile& file() const { return *file_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const Transformer& transformer() const { return *transformer_; }

 private:
  Model() = default;

  std::unique_ptr<GgufFile> file_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Transformer> transformer_;
  ModelInfo info_;
};

enum class FinishReason {
  kStop,         // an end-of-generation token or a stop string
  kLength,       // max_tokens reached
  kContextFull,  // the context has no room for another token
  kCancelled,    // the caller asked to stop
};

// Returns the OpenAI finish_reason for `reason` ("stop", "length", "cancelled").
std::string_view finish_reason_name(FinishReason reason);

struct GenerationOptions {
  SamplingParams sampling;
  uint32_t max_tokens = 256;      // 0: until the context is full
  std::vector<std::string> stop;  // generation ends before the first of these
  bool ignore_end_of_generation = false;
};

using SequenceId = uint64_t;

struct GeneratorOptions {
  uint32_t context_length = 0;  // per sequence; 0: the model's context_length
  uint32_t max_sequences = 1;
  unsigned threads = 1;  // threads for matrix products; 0: one per hardware thread
};

// What one step produced for one sequence.
struct SequenceEvent {
  SequenceId id = 0;
  std::optional<TokenId> token;  // unset when the sequence finished without a new token
  std::string text;              // text now safe to show (may be empty)
  std::optional<FinishReason> finished;
};

// Decodes sequences token by token. Each sequence has its own KV cache and
// sampler; step() advances all of them. Sequences that are decoding run
// together in one batched forward pass, so the weights are read once per
// step for all of them; a new sequence's prompt runs in batches of tokens.
class Generator {
 public:
  // `model` must outlive the generator.
  Generator(const Model& model, const GeneratorOptions& options);
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;
  ~Generator();

  // Starts a sequence from `prompt` (already tokenized, BOS included if
  // wanted). Fails if the prompt is empty, holds a token outside the
  // vocabulary, does not leave room for one generated token in the context,
  // or max_sequences are already active.
  Result<SequenceId> add_sequence(std::span<const TokenId> prompt,
                                  const GenerationOptions& options);

  // Advances every unfinished sequence by one token (a new sequence first
  // processes its prompt) and reports what each produced. A finished
  // sequence reports once, then stays until removed.
  Result<std::vector<SequenceEvent>> step();

  // Forgets sequence `id` (finished or not) and frees its KV cache.
  void remove_sequence(SequenceId id);

  // Number of sequences added and not removed.
  size_t sequence_count() const;

 private:
  struct Sequence;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct Completion {
  std::string text;
  std::vector<TokenId> tokens;
  FinishReason finish_reason = FinishReason::kStop;
  uint32_t prompt_tokens = 0;
  uint32_t completion_tokens = 0;
};

// Generates from `prompt` until a stop condition, calling `on_text` with each
// piece of text as soon as it is safe to show, and checking `cancel` (if
// given) before every token.
Result<Completion> generate(const Model& model, std::span<const TokenId> prompt,
                            const GenerationOptions& options,
                            const std::function<void(std::string_view)>& on_text = {},
                            const std::atomic<bool>* cancel = nullptr, unsigned threads = 1);

// The same on `generator` (made for `model`, with room for one more
// sequence), which a caller keeps across generations to reuse its buffers.
// The sequence is removed again before this returns.
Result<Completion> generate(Generator& generator, const Model& model,
                            std::span<const TokenId> prompt, const GenerationOptions& options,
                            const std::function<void(std::string_view)>& on_text = {},
                            const std::atomic<bool>* cancel = nullptr);

}  // namespace cloister::engine
