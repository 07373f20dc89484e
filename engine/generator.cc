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

struct Generator::Impl {
  Impl(const Model& m, const GeneratorOptions& o)
      : model(m),
        options(o),
        context(o.context_length != 0 ? o.context_length : m.info().context_length),
        scratch(m.transformer().config(), context),
        rope(m.transformer().make_rope()),
        logits(m.transformer().config().n_vocab),
        pool(o.threads) {}

  Status run(Sequence& s, TokenId token, bool want_logits) {
    CLOISTER_TRY(
        model.transformer().forward(token, s.position, s.cache, scratch, rope,
                                    want_logits ? std::span<float>(logits) : std::span<float>(),
                                    pool.size() > 1 ? &pool : nullptr));
    ++s.position;
    return ok_status();
  }

  // Runs the prompt (first step) or the last sampled token, then samples.
  Result<SequenceEvent> advance(Sequence& s) {
    SequenceEvent event;
    event.id = s.id;
    if (s.position == 0) {
      for (size_t i = 0; i < s.prompt.size(); ++i) {
        CLOISTER_TRY(run(s, s.prompt[i], i + 1 == s.prompt.size()));
      }
    } else {
      if (s.position >= context) return finish(s, FinishReason::kContextFull, event);
      CLOISTER_TRY(run(s, *s.next, true));
    }
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
  ForwardScratch scratch;
  RopeAngles rope;
  std::vector<float> logits;
  ThreadPool pool;
  std::vector<std::unique_ptr<Sequence>> sequences;
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
  if (impl_->sequences.size() >= std::max(1u, impl_->options.max_sequences)) {
    return Error(ErrorCode::kResourceExhausted, "the generator already holds " +
                                                    std::to_string(impl_->sequences.size()) +
                                                    " sequences, its maximum");
  }
  const SequenceId id = impl_->next_id++;
  impl_->sequences.push_back(
      std::make_unique<Sequence>(id, impl_->model, impl_->context, prompt, options));
  return id;
}

Result<std::vector<SequenceEvent>> Generator::step() {
  std::vector<SequenceEvent> events;
  for (auto& sequence : impl_->sequences) {
    if (sequence->finished) continue;
    CLOISTER_ASSIGN_OR_RETURN(SequenceEvent event, impl_->advance(*sequence));
    events.push_back(std::move(event));
  }
  return events;
}

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
  CLOISTER_ASSIGN_OR_RETURN(SequenceId id, generator.add_sequence(prompt, options));
  Completion completion;
  completion.prompt_tokens = static_cast<uint32_t>(prompt.size());
  while (true) {
    if (cancel != nullptr && cancel->load()) {
      completion.finish_reason = FinishReason::kCancelled;
      break;
    }
    CLOISTER_ASSIGN_OR_RETURN(std::vector<SequenceEvent> events, generator.step());
    if (events.empty()) break;
    const SequenceEvent& event = events.front();
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
