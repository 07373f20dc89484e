// The public API end to end: loading, tokenizing, chat templates and
// generation with every stop condition, on the real stories260K model and on
// random-weight fixtures.
#include "engine/engine.h"

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/files.h"
#include "engine/gguf/gguf_writer.h"
#include "engine/testing/fixture_model.h"
#include "testing/test_data.h"

namespace cloister::engine {
namespace {

std::shared_ptr<const Model> load_or_fail(const std::filesystem::path& path,
                                          const LoadOptions& options = {}) {
  Result<std::shared_ptr<const Model>> model = Model::load(path, options);
  EXPECT_TRUE(model.ok()) << (model.ok() ? "" : model.error().message());
  return model.ok() ? *model : nullptr;
}

GenerationOptions greedy(uint32_t max_tokens) {
  GenerationOptions options;
  options.sampling = greedy_sampling();
  options.max_tokens = max_tokens;
  return options;
}

TEST(Engine, GeneratesTheStories260KReferenceTextThroughThePublicApi) {
  CLOISTER_TEST_DATA(model_path, "models/stories260K.gguf");
  CLOISTER_TEST_DATA(expected_path, "models/stories260K.greedy200.txt");
  Bytes expected = testing::read_test_file(expected_path);
  auto model = load_or_fail(model_path);
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->info().architecture, "llama");
  EXPECT_EQ(model->info().n_layer, 5u);
  EXPECT_EQ(model->info().n_head_kv, 4u);
  EXPECT_EQ(model->info().context_length, 2048u);
  EXPECT_EQ(model->info().tensor_types,
            (std::vector<std::pair<std::string, uint32_t>>{{"f32", 48}}));

  const std::vector<TokenId> prompt = model->tokenize("", true, false);
  ASSERT_EQ(prompt, std::vector<TokenId>{1});
  std::string streamed;
  Result<Completion> completion =
      generate(*model, prompt, greedy(200), [&](std::string_view piece) { streamed += piece; });
  ASSERT_TRUE(completion.ok()) << completion.error().message();
  EXPECT_EQ(completion->text, std::string(expected.begin(), expected.end()));
  EXPECT_EQ(streamed, completion->text);
  EXPECT_EQ(completion->completion_tokens, 200u);
  EXPECT_EQ(completion->finish_reason, FinishReason::kLength);
  EXPECT_EQ(model->detokenize(completion->tokens), completion->text);
}

TEST(Engine, AKeptGeneratorGivesTheReferenceTextAgainAndAgain) {
  CLOISTER_TEST_DATA(model_path, "models/stories260K.gguf");
  CLOISTER_TEST_DATA(expected_path, "models/stories260K.greedy200.txt");
  Bytes expected = testing::read_test_file(expected_path);
  auto model = load_or_fail(model_path);
  ASSERT_NE(model, nullptr);
  Generator generator(*model, {});
  const std::vector<TokenId> prompt = model->tokenize("", true, false);
  for (int run = 0; run < 3; ++run) {
    Result<Completion> completion = generate(generator, *model, prompt, greedy(200));
    ASSERT_TRUE(completion.ok()) << completion.error().message();
    EXPECT_EQ(completion->text, std::string(expected.begin(), expected.end())) << "run " << run;
    EXPECT_EQ(completion->completion_tokens, 200u);
    EXPECT_EQ(generator.sequence_count(), 0u);  // each run's sequence is removed again
  }
}

TEST(Engine, ThreadsDoNotChangeTheResult) {
  CLOISTER_TEST_DATA(model_path, "models/stories260K.gguf");
  auto model = load_or_fail(model_path);
  ASSERT_NE(model, nullptr);
  const std::vector<TokenId> prompt = model->tokenize("Once upon", true, false);
  Result<Completion> one = generate(*model, prompt, greedy(40), {}, nullptr, 1);
  Result<Completion> four = generate(*model, prompt, greedy(40), {}, nullptr, 4);
  ASSERT_TRUE(one.ok() && four.ok());
  EXPECT_EQ(one->tokens, four->tokens);
}

TEST(Engine, StopStringsEndGenerationBeforeTheStopText) {
  CLOISTER_TEST_DATA(model_path, "models/stories260K.gguf");
  auto model = load_or_fail(model_path);
  ASSERT_NE(model, nullptr);
  GenerationOptions options = greedy(200);
  options.stop = {"Lily"};
  std::string streamed;
  Result<Completion> completion = generate(*model, std::vector<TokenId>{1}, options,
                                           [&](std::string_view piece) { streamed += piece; });
  ASSERT_TRUE(completion.ok());
  EXPECT_EQ(completion->text, "Once upon a time, there was a little girl named ");
  EXPECT_EQ(streamed, completion->text);
  EXPECT_EQ(completion->finish_reason, FinishReason::kStop);
}

TEST(Engine, EndOfGenerationTokensStopUnlessIgnored) {
  fixtures::FixtureOptions fixture;
  fixture.always_token = 2;  // </s>, the vocabulary's eos
  fixtures::FixtureFile file(fixture);
  auto model = load_or_fail(file.path());
  ASSERT_NE(model, nullptr);
  ASSERT_TRUE(model->is_end_of_generation(2));
  const std::vector<TokenId> prompt = model->tokenize("hello", true, false);
  Result<Completion> stopped = generate(*model, prompt, greedy(10));
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->finish_reason, FinishReason::kStop);
  EXPECT_EQ(stopped->completion_tokens, 0u);
  EXPECT_EQ(stopped->text, "");

  GenerationOptions ignoring = greedy(3);
  ignoring.ignore_end_of_generation = true;
  Result<Completion> continued = generate(*model, prompt, ignoring);
  ASSERT_TRUE(continued.ok());
  EXPECT_EQ(continued->finish_reason, FinishReason::kLength);
  EXPECT_EQ(continued->tokens, (std::vector<TokenId>{2, 2, 2}));
}

TEST(Engine, SamplingIsDeterministicForAFixedSeed) {
  fixtures::FixtureOptions fixture;
  fixtures::FixtureFile file(fixture);
  auto model = load_or_fail(file.path());
  ASSERT_NE(model, nullptr);
  const std::vector<TokenId> prompt = model->tokenize("hello the", true, false);
  GenerationOptions options;
  options.max_tokens = 12;
  options.sampling.temperature = 1.5f;
  options.sampling.seed = 99;
  Result<Completion> a = generate(*model, prompt, options);
  Result<Completion> b = generate(*model, prompt, options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->tokens, b->tokens);
  EXPECT_EQ(a->tokens.size(), 12u);
  options.sampling.seed = 100;
  Result<Completion> c = generate(*model, prompt, options);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->tokens, c->tokens);
}

TEST(Engine, CancellationStopsBetweenTokens) {
  CLOISTER_TEST_DATA(model_path, "models/stories260K.gguf");
  auto model = load_or_fail(model_path);
  ASSERT_NE(model, nullptr);
  std::atomic<bool> cancel{false};
  int pieces = 0;
  Result<Completion> completion = generate(
      *model, std::vector<TokenId>{1}, greedy(200),
      [&](std::string_view) {
        if (++pieces == 3) cancel = true;
      },
      &cancel);
  ASSERT_TRUE(completion.ok());
  EXPECT_EQ(completion->finish_reason, FinishReason::kCancelled);
  EXPECT_EQ(completion->completion_tokens, 3u);
}

TEST(Engine, ContextOverflowIsAnErrorOrAFinishReason) {
  fixtures::FixtureOptions fixture;
  fixtures::FixtureFile file(fixture);
  LoadOptions load;
  load.context_length = 8;
  auto model = load_or_fail(file.path(), load);
  ASSERT_NE(model, nullptr);
  const std::vector<TokenId> too_long(8, 5);
  Result<Completion> rejected = generate(*model, too_long, greedy(4));
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(rejected.error().message().find("context overflow"), std::string::npos);

  Result<Completion> filled = generate(*model, std::vector<TokenId>{1, 5, 6}, greedy(0));
  ASSERT_TRUE(filled.ok());
  EXPECT_EQ(filled->finish_reason, FinishReason::kContextFull);
  // Positions 3..7 hold answer tokens 1..5; token 6 is sampled from position
  // 7's logits and needs no room of its own.
  EXPECT_EQ(filled->completion_tokens, 6u);
  EXPECT_EQ(finish_reason_name(filled->finish_reason), "length");
}

TEST(Engine, SequencesInOneGeneratorMatchSequencesRunAlone) {
  CLOISTER_TEST_DATA(model_path, "models/stories260K.gguf");
  auto model = load_or_fail(model_path);
  ASSERT_NE(model, nullptr);
  const std::vector<TokenId> a = model->tokenize("Once upon a time", true, false);
  const std::vector<TokenId> b = model->tokenize("The cat", true, false);
  Result<Completion> alone_a = generate(*model, a, greedy(20));
  Result<Completion> alone_b = generate(*model, b, greedy(30));
  ASSERT_TRUE(alone_a.ok() && alone_b.ok());

  GeneratorOptions options;
  options.max_sequences = 2;
  Generator generator(*model, options);
  Result<SequenceId> id_a = generator.add_sequence(a, greedy(20));
  Result<SequenceId> id_b = generator.add_sequence(b, greedy(30));
  ASSERT_TRUE(id_a.ok() && id_b.ok());
  EXPECT_FALSE(generator.add_sequence(a, greedy(1)).ok());  // the limit is 2
  std::string text_a, text_b;
  int finished = 0;
  for (int steps = 0; finished < 2 && steps < 100; ++steps) {
    Result<std::vector<SequenceEvent>> events = generator.step();
    ASSERT_TRUE(events.ok());
    for (const SequenceEvent& event : *events) {
      (event.id == *id_a ? text_a : text_b) += event.text;
      if (event.finished) ++finished;
    }
  }
  EXPECT_EQ(text_a, alone_a->text);
  EXPECT_EQ(text_b, alone_b->text);
  generator.remove_sequence(*id_a);
  EXPECT_EQ(generator.sequence_count(), 1u);
  EXPECT_TRUE(generator.add_sequence(a, greedy(1)).ok());
}

// As a server's scheduler uses it: sequences join while others are decoding,
// and leave when they finish; each one's greedy text is what it gives alone.
TEST(Engine, SequencesJoiningAndLeavingMidwayMatchSequencesRunAlone) {
  CLOISTER_TEST_DATA(model_path, "models/stories260K.gguf");
  auto model = load_or_fail(model_path);
  ASSERT_NE(model, nullptr);
  const std::vector<TokenId> prompt = model->tokenize("", true, false);  // BOS alone
  constexpr uint32_t kTokens = 200;
  Result<Completion> alone = generate(*model, prompt, greedy(kTokens));
  ASSERT_TRUE(alone.ok());

  constexpr int kSequences = 8;
  GeneratorOptions options;
  options.max_sequences = kSequences;
  Generator generator(*model, options);
  std::map<SequenceId, std::string> texts;
  std::vector<std::string> finished_texts;
  int added = 0;
  for (int steps = 0; finished_texts.size() < kSequences && steps < 2000; ++steps) {
    if (added < kSequences && steps % 3 == 0) {  // a new request every third step
      Result<SequenceId> id = generator.add_sequence(prompt, greedy(kTokens));
      ASSERT_TRUE(id.ok()) << id.error().message();
      texts[*id];
      ++added;
    }
    Result<std::vector<SequenceEvent>> events = generator.step();
    ASSERT_TRUE(events.ok()) << events.error().message();
    for (const SequenceEvent& event : *events) {
      texts[event.id] += event.text;
      if (event.finished) {
        finished_texts.push_back(texts[event.id]);
        generator.remove_sequence(event.id);
      }
    }
  }
  ASSERT_EQ(finished_texts.size(), size_t{kSequences});
  for (const std::string& text : finished_texts) EXPECT_EQ(text, alone->text);
}

TEST(Engine, AppliesTheDetectedChatTemplateAndParsesItsSpecialTokens) {
  fixtures::FixtureOptions fixture;
  fixture.architecture = Architecture::kQwen2;
  fixtures::FixtureFile file(fixture);
  auto model = load_or_fail(file.path());
  ASSERT_NE(model, nullptr);
  ASSERT_EQ(model->info().chat_format, ChatFormat::kChatMl);
  const std::vector<ChatMessage> messages = {{"user", "hi"}};
  Result<std::string> prompt = model->apply_chat_template(messages, true);
  ASSERT_TRUE(prompt.ok());
  EXPECT_EQ(*prompt, "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
  const std::vector<TokenId> tokens = model->tokenize(*prompt, true, true);
  const std::optional<TokenId> im_start = model->tokenize("<|im_start|>", false, true).front();
  EXPECT_EQ(tokens.front(), im_start);
  EXPECT_EQ(model->detokenize(tokens, true), *prompt);
  // The <|im_end|> token ends a turn.
  EXPECT_TRUE(model->is_end_of_generation(model->tokenize("<|im_end|>", false, true).front()));

  Result<std::string> named = model->apply_chat_template(messages, true, "phi3");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(*named, "<|user|>\nhi<|end|>\n<|assistant|>\n");
  EXPECT_FALSE(model->apply_chat_template(messages, true, "nope").ok());
}

TEST(Engine, ModelsWithoutAChatFormatNeedOneNamed) {
  CLOISTER_TEST_DATA(model_path, "models/stories260K.gguf");
  auto model = load_or_fail(model_path);
  ASSERT_NE(model, nullptr);
  EXPECT_FALSE(model->info().chat_format.has_value());
  const std::vector<ChatMessage> messages = {{"user", "hi"}};
  Result<std::string> prompt = model->apply_chat_template(messages, true);
  ASSERT_FALSE(prompt.ok());
  EXPECT_EQ(prompt.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(model->apply_chat_template(messages, true, "llama2").ok());
}

Status load_error(GgufWriter& writer, std::string* message) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("cloister-bad-model-" + std::to_string(::getpid()));
  CLOISTER_TRY(write_file_atomically(path, writer.finish()));
  Result<std::shared_ptr<const Model>> model = Model::load(path);
  std::filesystem::remove(path);
  if (model.ok()) return Error(ErrorCode::kInternal, "the model loaded");
  *message = model.error().message();
  return ok_status();
}

TEST(Engine, LoadErrorsNameWhatIsWrong) {
  std::string message;
  GgufWriter gpt2;
  gpt2.set_string("general.architecture", "gpt2");
  ASSERT_TRUE(load_error(gpt2, &message).ok());
  EXPECT_NE(message.find("architecture 'gpt2' is not supported"), std::string::npos) << message;

  GgufWriter no_tensors;
  no_tensors.set_string("general.architecture", "llama");
  no_tensors.set_uint32("llama.embedding_length", 64);
  no_tensors.set_uint32("llama.block_count", 1);
  no_tensors.set_uint32("llama.feed_forward_length", 128);
  no_tensors.set_uint32("llama.attention.head_count", 2);
  ASSERT_TRUE(load_error(no_tensors, &message).ok());
  EXPECT_NE(message.find("token_embd.weight"), std::string::npos) << message;

  GgufWriter missing_key;
  missing_key.set_string("general.architecture", "qwen2");
  ASSERT_TRUE(load_error(missing_key, &message).ok());
  EXPECT_NE(message.find("qwen2.embedding_length"), std::string::npos) << message;

  Result<std::shared_ptr<const Model>> absent = Model::load("/nonexistent.gguf");
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().code(), ErrorCode::kNotFound);
}

TEST(Engine, RejectsTensorTypesItCannotCompute) {
  // A fixture whose token embedding is retyped to q2_K.
  fixtures::FixtureOptions fixture;
  const Bytes original = fixtures::build_fixture_model(fixture);
  Result<GgufFile> file = GgufFile::parse(original);
  ASSERT_TRUE(file.ok());
  GgufWriter writer;
  for (const GgufKeyValue& kv : file->metadata()) {
    if (auto s = kv.value.as_string()) writer.set_string(kv.key, *s);
    if (kv.value.type() == GgufValueType::kUint32) writer.set_uint32(kv.key, *kv.value.as_uint());
    if (kv.value.type() == GgufValueType::kFloat32) {
      writer.set_float32(kv.key, static_cast<float>(*kv.value.as_float()));
    }
  }
  for (const GgufTensor& tensor : file->tensors()) {
    if (tensor.name == "token_embd.weight") {
      const std::vector<uint64_t> dims = tensor.dims;
      Bytes q2k(*row_bytes(TensorType::kQ2_K, dims[0]) * dims[1]);
      ASSERT_TRUE(writer.add_tensor(tensor.name, TensorType::kQ2_K, dims, q2k).ok());
    } else {
      ASSERT_TRUE(writer.add_tensor(tensor.name, tensor.type, tensor.dims, tensor.data).ok());
    }
  }
  std::string message;
  ASSERT_TRUE(load_error(writer, &message).ok());
  EXPECT_NE(message.find("token_embd.weight' has type q2_K"), std::string::npos) << message;
}

}  // namespace
}  // namespace cloister::engine
