// The proxy's translation, checked against the shapes in OpenAI's published
// API reference (platform.openai.com/docs/api-reference/chat/object,
// .../chat-streaming, .../models/list and the error codes guide): each
// expected object below is the reference example with our values, and the
// Cloister additions (cloister_receipt) are checked separately.
#include "client/proxy/openai_translation.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace cloister::client::proxy {
namespace {

using nlohmann::json;

const CompletionStart kStart{"chatcmpl-123", "stories260K", 1694268190};

CompletionEnd end_with(std::optional<std::string> content) {
  CompletionEnd end;
  end.finish_reason = "stop";
  end.prompt_tokens = 9;
  end.completion_tokens = 12;
  end.receipt_base64 = "Q0xSQw==";
  end.content = std::move(content);
  return end;
}

// Parses `text` and removes the Cloister extension, returning its value.
json without_receipt(const std::string& text, std::optional<std::string>* receipt) {
  json value = json::parse(text);
  if (value.contains("cloister_receipt")) {
    *receipt = value["cloister_receipt"].get<std::string>();
    value.erase("cloister_receipt");
  } else {
    receipt->reset();
  }
  return value;
}

TEST(WrapChatRequest, KeepsTheClientsBytesInsideTheEnvelope) {
  const std::string body =
      R"({"model":"stories260K", "messages":[{"role":"user","content":"hi"}],"stream":true})";
  auto wrapped = wrap_chat_request(body);
  ASSERT_TRUE(wrapped.ok()) << wrapped.error().message();
  EXPECT_EQ(wrapped->body, R"({"method":"chat.completions","params":)" + body + "}");
  EXPECT_TRUE(wrapped->stream);
  EXPECT_FALSE(wrapped->include_usage);
  EXPECT_EQ(json::parse(wrapped->body)["params"], json::parse(body));
}

TEST(WrapChatRequest, ReadsIncludeUsage) {
  auto wrapped =
      wrap_chat_request(R"({"messages":[],"stream":true,"stream_options":{"include_usage":true}})");
  ASSERT_TRUE(wrapped.ok());
  EXPECT_TRUE(wrapped->include_usage);
}

TEST(WrapChatRequest, RefusesWhatIsNotAJsonObject) {
  for (const char* bad : {"", "[]", "{", "\"x\"", R"({"stream":"yes"})", R"({"a":1} {"b":2})"}) {
    EXPECT_FALSE(wrap_chat_request(bad).ok()) << bad;
  }
  EXPECT_EQ(wrap_chat_request("[]").error().code(), ErrorCode::kInvalidArgument);
}

TEST(ParseEnclaveBodies, ReadsTheChatApiShapes) {
  auto start = parse_start(
      R"({"created":1694268190,"id":"chatcmpl-123","model":"stories260K","object":"chat.completion"})");
  ASSERT_TRUE(start.ok()) << start.error().message();
  EXPECT_EQ(start->id, "chatcmpl-123");
  EXPECT_EQ(start->created, 1694268190);
  auto delta = parse_delta(R"({"content":"Once"})");
  ASSERT_TRUE(delta.ok());
  EXPECT_EQ(*delta, "Once");
  auto end = parse_end(
      R"({"finish_reason":"length","usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7},"receipt":"Q0xSQw==","content":"text"})");
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_EQ(end->finish_reason, "length");
  EXPECT_EQ(end->prompt_tokens, 3);
  EXPECT_EQ(end->completion_tokens, 4);
  EXPECT_EQ(end->receipt_base64, "Q0xSQw==");
  EXPECT_EQ(end->content, "text");
}

TEST(ParseEnclaveBodies, RejectsMissingAndMistypedFields) {
  EXPECT_EQ(parse_start(R"({"id":"x","model":"m"})").error().code(), ErrorCode::kMalformed);
  EXPECT_FALSE(parse_start(R"({"id":1,"model":"m","created":1})").ok());
  EXPECT_FALSE(parse_delta(R"({"content":5})").ok());
  EXPECT_FALSE(parse_delta("not json").ok());
  EXPECT_FALSE(parse_end(R"({"finish_reason":"stop","usage":{},"receipt":"x"})").ok());
  EXPECT_FALSE(
      parse_end(R"({"finish_reason":"stop","usage":{"prompt_tokens":1,"completion_tokens":1}})")
          .ok());
  EXPECT_FALSE(models_list(R"({"data":{}})").ok());
  EXPECT_FALSE(models_list(R"({"data":[{"id":"m"}]})").ok());
}

TEST(StreamChunks, MatchTheChatCompletionChunkObject) {
  std::optional<std::string> receipt;
  // The reference's first chunk: the role and empty content.
  EXPECT_EQ(without_receipt(role_chunk(kStart), &receipt), json::parse(R"({
    "id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,
    "model":"stories260K","system_fingerprint":null,
    "choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})"));
  EXPECT_FALSE(receipt);
  EXPECT_EQ(without_receipt(content_chunk(kStart, "Hello"), &receipt), json::parse(R"({
    "id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,
    "model":"stories260K","system_fingerprint":null,
    "choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]})"));
  EXPECT_FALSE(receipt);
  // The last chunk: an empty delta and the finish reason; it carries the receipt.
  EXPECT_EQ(without_receipt(finish_chunk(kStart, end_with(std::nullopt), false), &receipt),
            json::parse(R"({
    "id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,
    "model":"stories260K","system_fingerprint":null,
    "choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]})"));
  EXPECT_EQ(receipt, "Q0xSQw==");
}

TEST(StreamChunks, IncludeUsageAddsTheUsageChunkLast) {
  std::optional<std::string> receipt;
  json finish = without_receipt(finish_chunk(kStart, end_with(std::nullopt), true), &receipt);
  EXPECT_FALSE(receipt) << "the receipt goes on the last chunk";
  EXPECT_TRUE(finish["usage"].is_null());
  // stream_options.include_usage: "an additional chunk ... the choices field
  // will always be an empty array" with the usage of the whole request.
  EXPECT_EQ(without_receipt(usage_chunk(kStart, end_with(std::nullopt)), &receipt), json::parse(R"({
    "id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,
    "model":"stories260K","system_fingerprint":null,"choices":[],
    "usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}})"));
  EXPECT_EQ(receipt, "Q0xSQw==");
}

TEST(WholeCompletion, MatchesTheChatCompletionObject) {
  std::optional<std::string> receipt;
  EXPECT_EQ(without_receipt(completion_object(kStart, end_with("Hello there")), &receipt),
            json::parse(R"({
    "id":"chatcmpl-123","object":"chat.completion","created":1694268190,"model":"stories260K",
    "system_fingerprint":null,
    "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there","refusal":null},
                "logprobs":null,"finish_reason":"stop"}],
    "usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}})"));
  EXPECT_EQ(receipt, "Q0xSQw==");
}

TEST(Sse, FramesDataAndDone) {
  EXPECT_EQ(sse_data(R"({"a":1})"), "data: {\"a\":1}\n\n");
  EXPECT_EQ(kSseDone, "data: [DONE]\n\n");
}

TEST(Models, MatchTheListModelsResponse) {
  auto list = models_list(
      R"({"data":[{"id":"stories260K","object":"model","created":1686935002,"owned_by":"cloister","sha256":"ab"}]})");
  ASSERT_TRUE(list.ok()) << list.error().message();
  json value = json::parse(*list);
  EXPECT_EQ(value["data"][0]["cloister_sha256"], "ab");
  value["data"][0].erase("cloister_sha256");
  EXPECT_EQ(value, json::parse(R"({"object":"list","data":[
    {"id":"stories260K","object":"model","created":1686935002,"owned_by":"cloister"}]})"));
}

TEST(Errors, MapEnclaveCodesToOpenAiStatusesTypesAndCodes) {
  struct Case {
    uint16_t code;
    int status;
    const char* type;
    json openai_code;
    bool retryable;
  };
  const Case cases[] = {
      {0x0100, 400, "invalid_request_error", nullptr, false},
      {0x0101, 400, "invalid_request_error", "unsupported", false},
      {0x0102, 404, "invalid_request_error", "model_not_found", false},
      {0x0103, 400, "invalid_request_error", "context_length_exceeded", false},
      {0x0104, 503, "server_error", "overloaded", true},
      {0x0105, 429, "requests", "rate_limit_exceeded", true},
      {0x0106, 500, "server_error", "slow_reader", true},
      {0x0107, 500, "server_error", "engine_failure", true},
      {0x0999, 502, "server_error", nullptr, false},
  };
  for (const Case& c : cases) {
    OpenAiError error = map_enclave_error(c.code, "params.messages[0].role is not a role");
    EXPECT_EQ(error.status, c.status) << c.code;
    EXPECT_EQ(error.retryable, c.retryable) << c.code;
    json body = json::parse(error.body);
    // The reference's error object: message, type, param, code, nothing else.
    ASSERT_EQ(body.size(), 1u);
    ASSERT_EQ(body["error"].size(), 4u);
    EXPECT_EQ(body["error"]["type"], c.type) << c.code;
    EXPECT_EQ(body["error"]["code"], c.openai_code) << c.code;
    EXPECT_TRUE(body["error"]["param"].is_null());
    EXPECT_NE(body["error"]["message"].get<std::string>().find("params.messages[0].role"),
              std::string::npos);
  }
}

TEST(Errors, VerificationFailureSaysWhyAndIsNotRetried) {
  OpenAiError error = verification_failed("the enclave presented SIMULATED evidence");
  EXPECT_EQ(error.status, 502);
  EXPECT_FALSE(error.retryable);
  EXPECT_EQ(json::parse(error.body), json::parse(R"({"error":{
    "message":"cloister proxy refused to forward: the enclave presented SIMULATED evidence",
    "type":"cloister_verification_failed","param":null,"code":null}})"));
  OpenAiError away = enclave_unavailable("connection refused");
  EXPECT_EQ(away.status, 503);
  EXPECT_TRUE(away.retryable);
  EXPECT_EQ(json::parse(away.body)["error"]["type"], "cloister_unavailable");
}

}  // namespace
}  // namespace cloister::client::proxy
