// Chunks in the shapes OpenAI-compatible servers stream (OpenAI's documented
// chat.completion.chunk, vLLM's usage-only final chunk, error events).
#include "enclave/upstream_chunk.h"

#include <gtest/gtest.h>

#include "enclave/upstream_backend.h"

namespace cloister::enclave {
namespace {

TEST(UpstreamChunk, ReadsContentDeltas) {
  auto chunk = parse_upstream_chunk(
      R"({"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Once"},"finish_reason":null}]})");
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->content, "Once");
  EXPECT_FALSE(chunk->finish_reason.has_value());
  EXPECT_FALSE(chunk->usage.has_value());
  EXPECT_FALSE(chunk->error);
}

TEST(UpstreamChunk, ReadsTheRoleChunkFinishReasonAndUsage) {
  auto role = parse_upstream_chunk(R"({"choices":[{"delta":{"role":"assistant"}}]})");
  ASSERT_TRUE(role.ok());
  EXPECT_TRUE(role->content.empty());
  auto last = parse_upstream_chunk(
      R"({"choices":[{"delta":{},"finish_reason":"length"}],"usage":{"prompt_tokens":7,"completion_tokens":9,"total_tokens":16}})");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->finish_reason, "length");
  ASSERT_TRUE(last->usage.has_value());
  EXPECT_EQ(last->usage->prompt_tokens, 7u);
  EXPECT_EQ(last->usage->completion_tokens, 9u);
  auto usage_only =
      parse_upstream_chunk(R"({"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}})");
  ASSERT_TRUE(usage_only.ok());
  EXPECT_EQ(usage_only->usage->completion_tokens, 2u);
}

TEST(UpstreamChunk, FlagsErrors) {
  auto error = parse_upstream_chunk(R"({"error":{"message":"boom","type":"server_error"}})");
  ASSERT_TRUE(error.ok());
  EXPECT_TRUE(error->error);
}

TEST(UpstreamChunk, RefusesOtherShapes) {
  for (const char* data :
       {"[DONE", "[]", R"({"choices":{}})", R"({"choices":[{"delta":{"content":5}}]})",
        R"({"choices":[{"finish_reason":1}]})", R"({"usage":{"prompt_tokens":-1}})",
        R"({"usage":{"completion_tokens":99999999999}})"}) {
    EXPECT_FALSE(parse_upstream_chunk(data).ok()) << data;
  }
}

TEST(UpstreamOrigin, OnlyLoopbackHttpIsAccepted) {
  EXPECT_EQ(*loopback_origin("http://127.0.0.1:8000/v1"), "http://127.0.0.1:8000");
  EXPECT_EQ(*loopback_origin("http://127.1.2.3:80"), "http://127.1.2.3:80");
  EXPECT_EQ(*loopback_origin("http://localhost:8080"), "http://localhost:8080");
  EXPECT_EQ(*loopback_origin("http://[::1]:9000"), "http://[::1]:9000");
  EXPECT_EQ(*loopback_origin("http://127.0.0.1"), "http://127.0.0.1:80");
  for (const char* url : {"http://10.0.0.5:8000", "https://127.0.0.1:8000", "http://example.com:80",
                          "http://128.0.0.1:80", "http://0.0.0.0:80", "ws://127.0.0.1:80"}) {
    EXPECT_FALSE(loopback_origin(url).ok()) << url;
  }
}

}  // namespace
}  // namespace cloister::enclave
