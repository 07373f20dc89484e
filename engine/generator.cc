// Generator and generate(): the decode loop around the transformer, with
// per-sequence KV caches, samplers, detokenizers and stop-string matching.
#include <algorithm>

#include "engine/engine.h"
#include "engine/model/transformer.h"
#include "engine/stop_matcher.h"
#include "engine/tokenizer/tokenizer.h"

namespace cloister::engine {

struct Generator::Sequence {
  Sequence(SequenceId sequence_id, const Model& model, uint32_t context,
           std::span<const TokenId> prompt_tokens, const GenerationOptions& generation)
      : id(sequence_id),
        options(generation),
        prompt(prompt_tokens.begin(), prompt_tokens.end()),
        cache(model.transformer().config(), context),
        sampler(generation.sampling, model.transformer().config().n_vocab),
        decoder(model.tokenizer()),
        stop(generation.stop) {
    for (TokenId token : prompt) sampler.accept(token);
    decoder.set_previous(prompt.back());
  }

  SequenceId id;
  GenerationOptions options;
  std::vector<TokenId> prompt;
  KvCache cache;
  Sampler sampler;
  TokenDecoder decoder;
  StopMatcher stop;
  uint32_t position = 0;        // next position to run
  std::optional<TokenId> next;  // sampled, not yet run through the model
  uint32_t generated = 0;
  bool finished = false;
  bool reported_finish = false;
};

// Prompts run in chunks of this many tokens; a chunk is one batched forward pass.
constexpr uint32_t kPrefillChunk = 128;

struct Generator::Impl {
  Impl(const Model& m, const GeneratorOptions& o)
      : model(m),
        options(o),
        context(o.context_length != 0 ? o.context_length : m.info().context_length),
        max_sequences(std::max(1u, o.max_sequences)),
        scratch(m.transformer().config(), std::max(kPrefillChunk, max_sequences), max_sequences),
        rope(m.transformer().make_rope()),
        pool(o.threads) {
    batch.reserve(scratch.max_tokens);
    decoding.reserve(max_sequences);
  }

  ThreadPool* pool_or_null() { return pool.size() > 1 ? &pool : nullptr; }

  // Runs a new sequence's prompt, chunk by chunk; the last token's logits
  // land in scratch.logits_row(0).
  Status prefill(Sequence& s) {
    const size_t n = s.prompt.size();
    for (size_t first = 0; first < n; first += kPrefillChunk) {
      const size_t last = std::min(n, first + kPrefillChunk);
      batch.clear();
      for (size_t i = first; i < last; ++i) {
        batch.push_back({s.prompt[i], static_cast<uint32_t>(i), &s.cache, i + 1 == n});
      }
      CLOISTER_TRY(model.transformer().forward_batch(batch, scratch, rope, pool_or_null()));
    }
    s.position = static_cast<uint32_t>(n);
    return ok_status();
  }

  // Samples the next token of `s` from `logits` and reports it.
  SequenceEvent sample(Sequence& s, std::span<float> logits) {
    SequenceEvent event;
    event.id = s.id;
    const TokenId token = s.sampler.sample(logits);
    s.sampler.accept(token);
    s.next = token;
    ++s.generated;
    event.token = token;
    if (!s.options.ignore_end_of_generation && model.is_end_of_generation(token)) {
      return finish(s, FinishReason::kStop, event);
    }
    event.text = s.stop.push(s.decoder.next(token));
    if (s.stop.stopped()) return finish(s, FinishReason::kStop, event);
    if (s.options.max_tokens != 0 && s.generated >= s.options.max_tokens) {
      return finish(s, FinishReason::kLength, event);
    }
    if (s.position >= context) return finish(s, FinishReason::kContextFull, event);
    return event;
  }

  // New sequences run their prompts one by one; then every sequence that is
  // decoding runs its last sampled token in one batch, so the weights are
  // read once for all of them.
  Result<std::vector<SequenceEvent>> step() {
    slots.assign(sequences.size(), std::nullopt);
    decoding.clear();
    for (size_t i = 0; i < sequences.size(); ++i) {
      Sequence& s = *sequences[i];
      if (s.finished) continue;
      if (s.position == 0) {
        CLOISTER_TRY(prefill(s));
        slots[i] = sample(s, scratch.logits_row(0));
      } else if (s.position >= context) {
        SequenceEvent event;
        event.id = s.id;
        slots[i] = finish(s, FinishReason::kContextFull, event);
      } else {
        decoding.push_back(i);
      }
    }
    batch.clear();  // prefill() above used it for prompt chunks
    for (size_t i : decoding) {
      Sequence& s = *sequences[i];
      batch.push_back({*s.next, s.position, &s.cache, true});
    }
    if (!batch.empty()) {
      CLOISTER_TRY(model.transformer().forward_batch(batch, scratch, rope, pool_or_null()));
      for (size_t row = 0; row < decoding.size(); ++row) {
        Sequence& s = *sequences[decoding[row]];
        ++s.position;
        slots[decoding[row]] = sample(s, scratch.logits_row(row));
      }
    }
    std::vector<SequenceEvent> events;
    for (std::optional<SequenceEvent>& slot : slots) {
      if (slot) events.push_back(std::move(*slot));
    }
    return events;
  }

  static SequenceEvent finish(Sequence& s, FinishReason reason, SequenceEvent& event) {
    event.text += s.stop.flush();
    event.finished = reason;
    s.finished = true;
    s.reported_finish = true;
    return event;
  }

  const Model& model;
  GeneratorOptions options;
  uint32_t context;
  uint32_t max_sequences;
  BatchScratch scratch;
  RopeAngles rope;
  ThreadPool pool;
  std::vector<std::unique_ptr<Sequence>> sequences;
  std::vector<BatchToken> batch;
  std::vector<size_t> decoding;  // indices into sequences of this step's decode batch
  std::vector<std::optional<SequenceEvent>> slots;  // this step's event of each sequence
  SequenceId next_id = 1;
};

Generator::Generator(const Model& model, const GeneratorOptions& options)
    : impl_(std::make_unique<Impl>(model, options)) {}

Generator::~Generator() = default;

Result<SequenceId> Generator::add_sequence(std::span<const TokenId> prompt,
                                           const GenerationOptions& options) {
  if (prompt.empty()) return Error(ErrorCode::kInvalidArgument, "the prompt has no tokens");
  const uint32_t n_vocab = impl_->model.transformer().config().n_vocab;
  for (TokenId token : prompt) {
    if (token < 0 || static_cast<uint32_t>(token) >= n_vocab) {
      return Error(ErrorCode::kInvalidArgument,
                   "prompt token " + std::to_string(token) + " is outside the vocabulary");
    }
  }
  if (prompt.size() >= impl_->context) {
    return Error(ErrorCode::kResourceExhausted,
                 "context overflow: the prompt has " + std::to_string(prompt.size()) +
                     " tokens and the context holds " + std::to_string(impl_->context) +
                     " (at least one must be left for the answer)");
  }
  if (impl_->sequences.size() >= impl_->max_sequences) {
    return Error(ErrorCode::kResourceExhausted, "the generator already holds " +
                                                    std::to_string(impl_->sequences.size()) +
                                                    " sequences, its maximum");
  }
  const SequenceId id = impl_->next_id++;
  impl_->sequences.push_back(
      std::make_unique<Sequence>(id, impl_->model, impl_->context, prompt, options));
  return id;
}

Result<std::vector<SequenceEvent>> Generator::step() { return impl_->step(); }

void Generator::remove_sequence(SequenceId id) {
  std::erase_if(impl_->sequences, [id](const auto& s) { return s->id == id; });
}

size_t Generator::sequence_count() const { return impl_->sequences.size(); }

Result<Completion> generate(const Model& model, std::span<const TokenId> prompt,
                            const GenerationOptions& options,
                            const std::function<void(std::string_view)>& on_text,
                            const std::atomic<bool>* cancel, unsigned threads) {
  GeneratorOptions generator_options;
  generator_options.threads = threads;
  Generator generator(model, generator_options);
  return generate(generator, model, prompt, options, on_text, cancel);
}

Result<Completion> generate(Generator& generator, const Model& model,
                            std::span<const TokenId> prompt, const GenerationOptions& options,
                            const std::function<void(std::string_view)>& on_text,
                            const std::atomic<bool>* cancel) {
  CLOISTER_ASSIGN_OR_RETURN(SequenceId id, generator.add_sequence(prompt, options));
  Completion completion;
  completion.prompt_tokens = static_cast<uint32_t>(prompt.size());
  while (true) {
    if (cancel != nullptr && cancel->load()) {
      completion.finish_reason = FinishReason::kCancelled;
      break;
    }
    Result<std::vector<SequenceEvent>> events = generator.step();
    if (!events.ok()) {
      generator.remove_sequence(id);
      return events.error();
    }
    if (events->empty()) break;
    const SequenceEvent& event = events->front();
    if (event.token &&
        !(event.finished && *event.finished == FinishReason::kStop &&
          model.is_end_of_generation(*event.token) && !options.ignore_end_of_generation)) {
      completion.tokens.push_back(*event.token);
    }
    if (!event.text.empty()) {
      completion.text += event.text;
      if (on_text) on_text(event.text);
    }
    if (event.finished) {
      completion.finish_reason = *event.finished;
      break;
    }
  }
  generator.remove_sequence(id);
  completion.completion_tokens = static_cast<uint32_t>(completion.tokens.size());
  return completion;
}

}  // namespace cloister::engine
