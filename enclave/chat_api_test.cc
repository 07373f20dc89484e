// The chat API's request parser and response builders (docs/protocol.md,
// "Chat API"): every field, every refusal, and that no error quotes content.
#include "enclave/chat_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace cloister::enclave {
namespace {

using nlohmann::json;

constexpr size_t kLimit = size_t{4} << 20;
constexpr std::string_view kSecret = "purple-walrus-7731";

Result<ApiRequest> parse(const json& body) {
  const std::string text = body.dump();
  return parse_api_request(as_bytes(text), kLimit);
}

json chat(json params) { return {{"method", "chat.completions"}, {"params", std::move(params)}}; }

json user_says(std::string_view text) {
  return json::array({{{"role", "user"}, {"content", std::string(text)}}});
}

// Returns the message of a failed parse, failing the test if it succeeded.
std::string refusal(const json& body) {
  auto request = parse(body);
  EXPECT_FALSE(request.ok()) << body.dump();
  return request.ok() ? std::string() : request.error().message();
}

TEST(ChatApi, ParsesEveryFieldOfAChatRequest) {
  auto request = parse(
      chat({{"model", "stories"},
            {"messages",
             {{{"role", "system"}, {"content", "Be brief."}},
              {{"role", "user"}, {"content", "Hi"}, {"name", "ann"}},
              {{"role", "assistant"}, {"content", "Hello."}},
              {{"role", "user"},
               {"content",
                {{{"type", "text"}, {"text", "Tell "}}, {{"type", "text"}, {"text", "more"}}}}}}},
            {"temperature", 0.5},
            {"top_p", 0.9},
            {"max_tokens", 64},
            {"stop", {"\n\n", "END"}},
            {"seed", 42},
            {"stream", true},
            {"user", "opaque"},
            {"n", 1},
            {"stream_options", {{"include_usage", true}}},
            {"frequency_penalty", 0}}));
  ASSERT_TRUE(request.ok()) << request.error().message();
  EXPECT_EQ(request->method, ApiMethod::kChatCompletions);
  const ChatRequest& c = request->chat;
  EXPECT_EQ(c.model, "stories");
  ASSERT_EQ(c.messages.size(), 4u);
  EXPECT_EQ(c.messages[0].role, "system");
  EXPECT_EQ(c.messages[3].content, "Tell more");
  EXPECT_DOUBLE_EQ(c.sampling.temperature, 0.5);
  EXPECT_DOUBLE_EQ(c.sampling.top_p, 0.9);
  EXPECT_EQ(c.sampling.max_tokens, 64u);
  EXPECT_EQ(c.sampling.stop, (std::vector<std::string>{"\n\n", "END"}));
  EXPECT_EQ(c.sampling.seed, 42u);
  EXPECT_TRUE(c.stream);
}

TEST(ChatApi, AppliesOpenAisDefaults) {
  auto request = parse(chat({{"messages", user_says("x")}, {"temperature", nullptr}}));
  ASSERT_TRUE(request.ok());
  EXPECT_DOUBLE_EQ(request->chat.sampling.temperature, 1.0);
  EXPECT_DOUBLE_EQ(request->chat.sampling.top_p, 1.0);
  EXPECT_FALSE(request->chat.sampling.max_tokens.has_value());
  EXPECT_FALSE(request->chat.sampling.seed.has_value());
  EXPECT_FALSE(request->chat.stream);
  EXPECT_TRUE(request->chat.model.empty());
}

TEST(ChatApi, MapsDeveloperToSystemAndAcceptsStringStops) {
  auto request = parse(chat({{"messages", {{{"role", "developer"}, {"content", "rules"}}}},
                             {"stop", "END"},
                             {"max_completion_tokens", 5}}));
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->chat.messages[0].role, "system");
  EXPECT_EQ(request->chat.sampling.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(request->chat.sampling.max_tokens, 5u);
}

TEST(ChatApi, AcceptsNegativeAndLargeSeedsAsTheirBits) {
  auto negative = parse(chat({{"messages", user_says("x")}, {"seed", -1}}));
  ASSERT_TRUE(negative.ok());
  EXPECT_EQ(negative->chat.sampling.seed, UINT64_MAX);
  auto large = parse(chat({{"messages", user_says("x")}, {"seed", UINT64_MAX}}));
  ASSERT_TRUE(large.ok());
  EXPECT_EQ(large->chat.sampling.seed, UINT64_MAX);
}

TEST(ChatApi, ParsesModelsList) {
  auto plain = parse_api_request(as_bytes(R"({"method":"models.list"})"), kLimit);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->method, ApiMethod::kModelsList);
  EXPECT_TRUE(parse_api_request(as_bytes(R"({"method":"models.list","params":{}})"), kLimit).ok());
  EXPECT_FALSE(parse_api_request(as_bytes(R"({"method":"models.list","params":[]})"), kLimit).ok());
}

TEST(ChatApi, RefusesMalformedEnvelopes) {
  EXPECT_FALSE(parse_api_request(as_bytes("{nope"), kLimit).ok());
  EXPECT_FALSE(parse_api_request(as_bytes("[]"), kLimit).ok());
  EXPECT_FALSE(parse_api_request(as_bytes(R"({"params":{}})"), kLimit).ok());
  EXPECT_FALSE(parse_api_request(as_bytes(R"({"method":7})"), kLimit).ok());
  auto extra = parse_api_request(as_bytes(R"({"method":"models.list","id":1})"), kLimit);
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error().code(), ErrorCode::kInvalidArgument);
  // Invalid UTF-8 inside a string.
  EXPECT_FALSE(parse_api_request(as_bytes("{\"method\":\"models.list\xff\"}"), kLimit).ok());
}

TEST(ChatApi, NamesTheFieldThatIsWrong) {
  EXPECT_EQ(refusal(chat({{"messages", json::array()}})),
            "params.messages must be a non-empty array");
  EXPECT_EQ(refusal(chat({{"messages", user_says("x")}, {"temperature", 3}})),
            "params.temperature must be between 0.0 and 2.0");
  EXPECT_EQ(refusal(chat({{"messages", user_says("x")}, {"top_p", "high"}})),
            "params.top_p must be a number");
  EXPECT_EQ(refusal(chat({{"messages", user_says("x")}, {"max_tokens", 0}})),
            "params.max_tokens must be between 1 and 1048576");
  EXPECT_EQ(refusal(chat({{"messages", user_says("x")}, {"max_tokens", 2.5}})),
            "params.max_tokens must be an integer");
  EXPECT_EQ(refusal(chat({{"messages", user_says("x")}, {"seed", 1.5}})),
            "params.seed must be an integer");
  EXPECT_EQ(refusal(chat({{"messages", user_says("x")}, {"stream", "yes"}})),
            "params.stream must be true or false");
  EXPECT_EQ(refusal(chat({{"messages", user_says("x")}, {"stop", {"a", "b", "c", "d", "e"}}})),
            "params.stop must be a string or an array of at most 4 strings");
  EXPECT_EQ(refusal(chat({{"messages", user_says("x")}, {"stop", ""}})),
            "params.stop strings must be 1 to 256 bytes long");
  EXPECT_EQ(refusal(chat({{"messages", {{{"role", "tool"}, {"content", "x"}}}}})),
            "params.messages[0].role must be system, developer, user or assistant");
  EXPECT_EQ(refusal(chat({{"messages", {{{"role", "user"}, {"content", 5}}}}})),
            "params.messages[0].content must be a string or an array of text parts");
  EXPECT_EQ(refusal(chat({{"messages", user_says("x")}, {"model", 5}})),
            "params.model must be a string of at most 256 bytes");
}

TEST(ChatApi, RefusesFeaturesItDoesNotImplementInsteadOfIgnoringThem) {
  for (const char* field : {"tools", "response_format", "logit_bias"}) {
    auto request = parse(chat({{"messages", user_says("x")}, {field, json::object()}}));
    ASSERT_FALSE(request.ok()) << field;
    EXPECT_EQ(request.error().code(), ErrorCode::kUnsupported);
  }
  EXPECT_FALSE(parse(chat({{"messages", user_says("x")}, {"n", 2}})).ok());
  EXPECT_FALSE(parse(chat({{"messages", user_says("x")}, {"logprobs", true}})).ok());
  EXPECT_FALSE(parse(chat({{"messages", user_says("x")}, {"presence_penalty", 0.5}})).ok());
  EXPECT_TRUE(
      parse(chat({{"messages", user_says("x")}, {"logprobs", false}, {"tools", nullptr}})).ok());
  auto image = parse(
      chat({{"messages",
             {{{"role", "user"}, {"content", {{{"type", "image_url"}, {"image_url", "x"}}}}}}}}));
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.error().code(), ErrorCode::kUnsupported);
}

TEST(ChatApi, UnknownMethodsAreTheirOwnError) {
  auto request = parse({{"method", std::string(kSecret)}});
  ASSERT_FALSE(request.ok());
  ChatFailure failure = failure_from_parse_error(request.error());
  EXPECT_EQ(failure.code, ChatErrorCode::kUnknownMethod);
  EXPECT_EQ(failure.reason.find(kSecret), std::string::npos);
  EXPECT_EQ(failure_from_parse_error(Error(ErrorCode::kInvalidArgument, "x")).code,
            ChatErrorCode::kInvalidRequest);
}

TEST(ChatApi, ErrorsNeverQuoteTheRequest) {
  const std::string secret(kSecret);
  const std::vector<json> bad = {
      chat({{"messages", {{{"role", secret}, {"content", secret}}}}}),
      chat({{"messages", user_says(secret)}, {"stop", {secret, secret, secret, secret, secret}}}),
      chat({{"messages", {{{"role", "user"}, {"content", {{{"type", secret}}}}}}}}),
      chat({{"messages", {{{"role", "user"}, {"content", "x"}, {secret, secret}}}}}),
      chat({{"messages", user_says(secret)}, {"temperature", secret}}),
      {{"method", "chat.completions"}, {secret, secret}},
      {{"method", secret}},
  };
  for (const json& body : bad) {
    const std::string message = refusal(body);
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find(secret), std::string::npos) << message;
  }
}

TEST(ChatApi, BoundsSizeAndNesting) {
  const std::string body = chat({{"messages", user_says(std::string(1000, 'a'))}}).dump();
  auto too_large = parse_api_request(as_bytes(body), 100);
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.error().code(), ErrorCode::kResourceExhausted);
  const std::string deep =
      "{\"method\":\"models.list\",\"params\":" + std::string(20, '[') + std::string(20, ']') + "}";
  auto nested = parse_api_request(as_bytes(deep), kLimit);
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.error().code(), ErrorCode::kResourceExhausted);
  // Brackets inside strings are not nesting.
  auto quoted = parse(chat({{"messages", user_says(std::string(100, '[') + "\\\"" + "{")}}));
  EXPECT_TRUE(quoted.ok());
  json too_many = json::array();
  for (size_t i = 0; i <= kMaxMessages; ++i)
    too_many.push_back({{"role", "user"}, {"content", ""}});
  EXPECT_FALSE(parse(chat({{"messages", too_many}})).ok());
}

TEST(ChatApi, BuildsResponseBodies) {
  EXPECT_EQ(
      chat_response_start_json("chatcmpl-1", "stories", 1700000000),
      R"({"created":1700000000,"id":"chatcmpl-1","model":"stories","object":"chat.completion"})");
  EXPECT_EQ(chat_delta_json("Once \"upon\"\n"), R"({"content":"Once \"upon\"\n"})");
  const Bytes receipt = {1, 2, 3};
  EXPECT_EQ(chat_response_end_json(engine::FinishReason::kLength, {3, 4}, std::nullopt, receipt),
            R"({"finish_reason":"length","receipt":"AQID","usage":{"completion_tokens":4,)"
            R"("prompt_tokens":3,"total_tokens":7}})");
  EXPECT_EQ(json::parse(chat_response_end_json(engine::FinishReason::kStop, {}, "all", receipt))
                .at("content"),
            "all");
  EXPECT_EQ(models_response_start_json(), R"({"object":"list"})");
  ModelEntry model{"stories", {}, 5};
  model.sha256.fill(0xab);
  json models = json::parse(models_response_end_json({model}));
  EXPECT_EQ(models["data"][0]["id"], "stories");
  EXPECT_EQ(models["data"][0]["object"], "model");
  std::string expected_hex;
  for (int i = 0; i < 32; ++i) expected_hex += "ab";
  EXPECT_EQ(models["data"][0]["sha256"], expected_hex);
  EXPECT_EQ(models["data"][0]["owned_by"], "cloister");
}

TEST(ChatApi, CompletionIdsAreFreshAndShaped) {
  const std::string a = new_completion_id();
  const std::string b = new_completion_id();
  EXPECT_NE(a, b);
  EXPECT_TRUE(a.starts_with("chatcmpl-"));
  EXPECT_EQ(a.size(), 9u + 24u);
}

TEST(ChatApi, ReplacesIllFormedUtf8) {
  EXPECT_EQ(to_valid_utf8("plain"), "plain");
  EXPECT_EQ(to_valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(to_valid_utf8("a\xFF"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(to_valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(to_valid_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // truncated
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(to_valid_utf8("\xF4\x90\x80\x80"),  // above U+10FFFF
            replacement + replacement + replacement + replacement);
}

}  // namespace
}  // namespace cloister::enclave
