#include "tools/cloister-engine/openai_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace cloister::tools::engine_cli {
namespace {

using nlohmann::json;

engine::GenerationOptions defaults() {
  engine::GenerationOptions options;
  options.max_tokens = 100;
  options.sampling.temperature = 0.5f;
  return options;
}

TEST(OpenAiApi, ParsesAChatRequest) {
  Result<ChatRequest> request = parse_chat_request(R"({
      "model": "m", "stream": true, "temperature": 0, "top_p": 0.9, "seed": 7,
      "max_tokens": 12, "stop": ["\n\n", "END"], "presence_penalty": 0.5,
      "messages": [{"role": "system", "content": "Be brief."},
                   {"role": "user", "content": [{"type": "text", "text": "Hi "},
                                                {"type": "text", "text": "there"}]}]})",
                                                   defaults());
  ASSERT_TRUE(request.ok()) << request.error().message();
  EXPECT_EQ(request->model, "m");
  EXPECT_TRUE(request->stream);
  EXPECT_EQ(request->options.sampling.temperature, 0.0f);
  EXPECT_FLOAT_EQ(request->options.sampling.top_p, 0.9f);
  EXPECT_EQ(request->options.sampling.seed, 7u);
  EXPECT_EQ(request->options.max_tokens, 12u);
  EXPECT_EQ(request->options.stop, (std::vector<std::string>{"\n\n", "END"}));
  EXPECT_FLOAT_EQ(request->options.sampling.presence_penalty, 0.5f);
  ASSERT_EQ(request->messages.size(), 2u);
  EXPECT_EQ(request->messages[1].role, "user");
  EXPECT_EQ(request->messages[1].content, "Hi there");
}

TEST(OpenAiApi, FillsDefaultsForWhatTheRequestLeavesOut) {
  Result<ChatRequest> request = parse_chat_request(
      R"({"messages": [{"role": "user", "content": "x"}], "stop": "."})", defaults());
  ASSERT_TRUE(request.ok());
  EXPECT_FALSE(request->stream);
  EXPECT_EQ(request->options.max_tokens, 100u);
  EXPECT_EQ(request->options.sampling.temperature, 0.5f);
  EXPECT_EQ(request->options.stop, std::vector<std::string>{"."});
  Result<ChatRequest> modern = parse_chat_request(
      R"({"messages": [{"role": "developer", "content": "x"}], "max_completion_tokens": 3})",
      defaults());
  ASSERT_TRUE(modern.ok());
  EXPECT_EQ(modern->options.max_tokens, 3u);
  EXPECT_EQ(modern->messages[0].role, "system");
}

TEST(OpenAiApi, RejectsBadRequestsNamingTheField) {
  auto error_of = [](std::string_view body) {
    Result<ChatRequest> request = parse_chat_request(body, defaults());
    EXPECT_FALSE(request.ok()) << body;
    return request.ok() ? std::string() : request.error().message();
  };
  EXPECT_NE(error_of("{not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[1]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(error_of("{}").find("'messages'"), std::string::npos);
  EXPECT_NE(error_of(R"({"messages": [{"content": "x"}]})").find("'role'"), std::string::npos);
  const std::string user = R"("messages": [{"role": "user", "content": "x"}])";
  EXPECT_NE(error_of("{" + user + R"(, "temperature": 3})").find("'temperature'"),
            std::string::npos);
  EXPECT_NE(error_of("{" + user + R"(, "temperature": "hot"})").find("'temperature'"),
            std::string::npos);
  EXPECT_NE(error_of("{" + user + R"(, "n": 2})").find("'n'"), std::string::npos);
  EXPECT_NE(error_of("{" + user + R"(, "max_tokens": 0})").find("'max_tokens'"), std::string::npos);
  EXPECT_NE(error_of("{" + user + R"(, "max_tokens": 1.5})").find("'max_tokens'"),
            std::string::npos);
  EXPECT_NE(error_of("{" + user + R"(, "stop": ["a","b","c","d","e"]})").find("'stop'"),
            std::string::npos);
  EXPECT_NE(error_of("{" + user + R"(, "seed": 1.5})").find("'seed'"), std::string::npos);
  EXPECT_NE(error_of(R"({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]})")
                .find("'content'"),
            std::string::npos);
  EXPECT_EQ(parse_chat_request(std::string(kMaxRequestBytes + 1, ' '), defaults()).error().code(),
            ErrorCode::kResourceExhausted);
}

TEST(OpenAiApi, ParsesACompletionRequest) {
  Result<CompletionRequest> request =
      parse_completion_request(R"({"prompt": "Once upon", "max_tokens": 5})", defaults());
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->prompt, "Once upon");
  EXPECT_EQ(request->options.max_tokens, 5u);
  EXPECT_FALSE(parse_completion_request(R"({"prompt": ["a"]})", defaults()).ok());
}

TEST(OpenAiApi, BuildsResponsesInOpenAisShapes) {
  json whole = json::parse(chat_completion_json("chatcmpl-1", "m", 1700000000, "Hello",
                                                engine::FinishReason::kLength, {3, 4}));
  EXPECT_EQ(whole["object"], "chat.completion");
  EXPECT_EQ(whole["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(whole["choices"][0]["message"]["content"], "Hello");
  EXPECT_EQ(whole["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(whole["usage"]["total_tokens"], 7);

  json first = json::parse(chat_chunk_json("c", "m", 1, std::nullopt, true, std::nullopt, {}));
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
  EXPECT_TRUE(first["choices"][0]["finish_reason"].is_null());
  json last = json::parse(
      chat_chunk_json("c", "m", 1, std::nullopt, false, engine::FinishReason::kStop, Usage{1, 2}));
  EXPECT_EQ(last["choices"][0]["finish_reason"], "stop");
  EXPECT_TRUE(last["choices"][0]["delta"].empty());
  EXPECT_EQ(last["usage"]["completion_tokens"], 2);

  json text =
      json::parse(completion_json("cmpl-1", "m", 1, "abc", engine::FinishReason::kStop, {1, 1}));
  EXPECT_EQ(text["object"], "text_completion");
  EXPECT_EQ(text["choices"][0]["text"], "abc");
  json models = json::parse(models_json("m", 1));
  EXPECT_EQ(models["data"][0]["id"], "m");
  json error = json::parse(error_json("bad", "invalid_request_error", "messages"));
  EXPECT_EQ(error["error"]["type"], "invalid_request_error");
  EXPECT_EQ(error["error"]["param"], "messages");
  EXPECT_EQ(sse_event("{}"), "data: {}\n\n");
}

TEST(OpenAiApi, InvalidUtf8InGeneratedTextBecomesAReplacementCharacter) {
  json chunk =
      json::parse(chat_chunk_json("c", "m", 1, std::string_view("a\xff"), false, std::nullopt, {}));
  EXPECT_EQ(chunk["choices"][0]["delta"]["content"], "a\xef\xbf\xbd");
}

}  // namespace
}  // namespace cloister::tools::engine_cli
