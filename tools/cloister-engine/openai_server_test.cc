// The OpenAI-compatible server over real HTTP on 127.0.0.1, with the real
// stories260K model and random-weight chat fixtures.
#include "tools/cloister-engine/openai_server.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/testing/fixture_model.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "testing/test_data.h"

namespace cloister::tools::engine_cli {
namespace {

using nlohmann::json;

// A server on a free loopback port, stopped when the test ends.
class TestServer {
 public:
  explicit TestServer(const std::filesystem::path& model_path, ServeOptions options = {},
                      engine::LoadOptions load = {}) {
    Result<std::shared_ptr<const engine::Model>> model = engine::Model::load(model_path, load);
    EXPECT_TRUE(model.ok()) << (model.ok() ? "" : model.error().message());
    if (!model.ok()) return;
    Result<net::Router> router = make_openai_router(*model, std::move(options));
    EXPECT_TRUE(router.ok());
    net::ServerOptions server_options;
    server_options.port = 0;
    Result<std::unique_ptr<net::HttpServer>> server =
        net::HttpServer::start(std::move(router).value(), server_options);
    EXPECT_TRUE(server.ok()) << (server.ok() ? "" : server.error().message());
    if (server.ok()) server_ = std::move(server).value();
  }

  bool running() const { return server_ != nullptr; }

  net::HttpClient client() const {
    net::HttpClientOptions options;
    options.request_timeout = std::chrono::seconds(120);
    return std::move(net::HttpClient::create("http://127.0.0.1:" + std::to_string(server_->port()),
                                             options))
        .value();
  }

 private:
  std::unique_ptr<net::HttpServer> server_;
};

ServeOptions named(std::string name) {
  ServeOptions options;
  options.model_name = std::move(name);
  return options;
}

std::string read_text(const std::filesystem::path& path) {
  Bytes bytes = testing::read_test_file(path);
  return {bytes.begin(), bytes.end()};
}

// Posts a streaming request and returns the parsed chunks up to [DONE].
std::vector<json> stream_chunks(net::HttpClient& client, std::string_view target, const json& body,
                                bool* saw_done) {
  net::HttpRequest request;
  request.method = net::Method::kPost;
  request.target = std::string(target);
  request.headers.set("Content-Type", "application/json");
  request.body = body.dump();
  std::vector<json> chunks;
  *saw_done = false;
  Result<net::HttpResponse> head =
      client.stream_events(request, [&](const net::HttpResponse&, const net::SseEvent& event) {
        if (event.data == "[DONE]") {
          *saw_done = true;
          return true;
        }
        chunks.push_back(json::parse(event.data));
        return true;
      });
  EXPECT_TRUE(head.ok()) << (head.ok() ? "" : head.error().message());
  if (head.ok()) {
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->headers.get("Content-Type"), "text/event-stream");
  }
  return chunks;
}

TEST(OpenAiServer, ListsTheServedModel) {
  CLOISTER_TEST_DATA(model, "models/stories260K.gguf");
  TestServer server(model, named("stories"));
  ASSERT_TRUE(server.running());
  net::HttpClient client = server.client();
  Result<net::HttpResponse> response = client.get("/v1/models");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  json body = json::parse(response->body);
  EXPECT_EQ(body["object"], "list");
  EXPECT_EQ(body["data"][0]["id"], "stories");
}

TEST(OpenAiServer, CompletionsReproduceTheStoriesReferenceTextWholeAndStreamed) {
  CLOISTER_TEST_DATA(model, "models/stories260K.gguf");
  CLOISTER_TEST_DATA(expected_path, "models/stories260K.greedy200.txt");
  const std::string expected = read_text(expected_path);
  TestServer server(model);
  ASSERT_TRUE(server.running());
  net::HttpClient client = server.client();
  const json request = {{"prompt", ""}, {"max_tokens", 200}, {"temperature", 0}};

  Result<net::HttpResponse> whole = client.post("/v1/completions", request.dump());
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(whole->status, 200) << whole->body;
  json body = json::parse(whole->body);
  EXPECT_EQ(body["object"], "text_completion");
  EXPECT_EQ(body["choices"][0]["text"], expected);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(body["usage"]["prompt_tokens"], 1);
  EXPECT_EQ(body["usage"]["completion_tokens"], 200);

  json streaming = request;
  streaming["stream"] = true;
  bool saw_done = false;
  std::vector<json> chunks = stream_chunks(client, "/v1/completions", streaming, &saw_done);
  EXPECT_TRUE(saw_done);
  ASSERT_GE(chunks.size(), 2u);
  std::string text;
  for (const json& chunk : chunks) text += chunk["choices"][0]["text"].get<std::string>();
  EXPECT_EQ(text, expected);
  EXPECT_EQ(chunks.back()["choices"][0]["finish_reason"], "length");
  EXPECT_TRUE(chunks.front()["choices"][0]["finish_reason"].is_null());
}

TEST(OpenAiServer, StopStringsEndACompletion) {
  CLOISTER_TEST_DATA(model, "models/stories260K.gguf");
  TestServer server(model);
  ASSERT_TRUE(server.running());
  net::HttpClient client = server.client();
  const json request = {{"prompt", ""}, {"max_tokens", 200}, {"temperature", 0}, {"stop", "Lily"}};
  Result<net::HttpResponse> response = client.post("/v1/completions", request.dump());
  ASSERT_TRUE(response.ok());
  json body = json::parse(response->body);
  EXPECT_EQ(body["choices"][0]["text"], "Once upon a time, there was a little girl named ");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
}

TEST(OpenAiServer, ChatCompletionsWholeAndStreamedAgree) {
  engine::fixtures::FixtureOptions fixture;
  fixture.architecture = engine::Architecture::kQwen2;
  engine::fixtures::FixtureFile file(fixture);
  TestServer server(file.path(), named("fixture"));
  ASSERT_TRUE(server.running());
  net::HttpClient client = server.client();
  const json request = {{"model", "fixture"},
                        {"messages",
                         {{{"role", "system"}, {"content", "Be brief."}},
                          {{"role", "user"}, {"content", "hello world"}}}},
                        {"max_tokens", 6},
                        {"temperature", 0}};

  Result<net::HttpResponse> whole = client.post("/v1/chat/completions", request.dump());
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(whole->status, 200) << whole->body;
  json body = json::parse(whole->body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["model"], "fixture");
  EXPECT_EQ(body["choices"][0]["message"]["role"], "assistant");
  const std::string content = body["choices"][0]["message"]["content"];
  const std::string reason = body["choices"][0]["finish_reason"];
  EXPECT_TRUE(reason == "length" || reason == "stop") << reason;
  EXPECT_GT(body["usage"]["prompt_tokens"].get<int>(), 10);

  json streaming = request;
  streaming["stream"] = true;
  bool saw_done = false;
  std::vector<json> chunks = stream_chunks(client, "/v1/chat/completions", streaming, &saw_done);
  EXPECT_TRUE(saw_done);
  ASSERT_GE(chunks.size(), 2u);
  EXPECT_EQ(chunks.front()["object"], "chat.completion.chunk");
  EXPECT_EQ(chunks.front()["choices"][0]["delta"]["role"], "assistant");
  std::string streamed;
  for (const json& chunk : chunks) {
    const json& delta = chunk["choices"][0]["delta"];
    if (delta.contains("content")) streamed += delta["content"].get<std::string>();
  }
  EXPECT_EQ(streamed, content);
  EXPECT_EQ(chunks.back()["choices"][0]["finish_reason"], reason);
  EXPECT_EQ(chunks.back()["usage"]["completion_tokens"], body["usage"]["completion_tokens"]);
}

TEST(OpenAiServer, EndOfTurnTokensFinishWithStop) {
  engine::fixtures::FixtureOptions fixture;
  fixture.architecture = engine::Architecture::kQwen2;
  fixture.always_token = 269;  // <|im_end|>
  engine::fixtures::FixtureFile file(fixture);
  TestServer server(file.path());
  ASSERT_TRUE(server.running());
  net::HttpClient client = server.client();
  const json request = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  Result<net::HttpResponse> response = client.post("/v1/chat/completions", request.dump());
  ASSERT_TRUE(response.ok());
  json body = json::parse(response->body);
  EXPECT_EQ(body["choices"][0]["message"]["content"], "");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
}

TEST(OpenAiServer, ErrorsHaveOpenAisShape) {
  CLOISTER_TEST_DATA(model, "models/stories260K.gguf");
  engine::LoadOptions small_context;
  small_context.context_length = 16;
  TestServer server(model, {}, small_context);
  ASSERT_TRUE(server.running());
  net::HttpClient client = server.client();

  Result<net::HttpResponse> bad_json = client.post("/v1/chat/completions", "{nope");
  ASSERT_TRUE(bad_json.ok());
  EXPECT_EQ(bad_json->status, 400);
  json error = json::parse(bad_json->body)["error"];
  EXPECT_EQ(error["type"], "invalid_request_error");
  EXPECT_TRUE(error.contains("message") && error.contains("param") && error.contains("code"));

  // stories260K has no chat template.
  const json chat = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  Result<net::HttpResponse> no_template = client.post("/v1/chat/completions", chat.dump());
  ASSERT_TRUE(no_template.ok());
  EXPECT_EQ(no_template->status, 400);
  EXPECT_NE(
      json::parse(no_template->body)["error"]["message"].get<std::string>().find("chat template"),
      std::string::npos);

  const json long_prompt = {{"prompt", std::string(200, 'a') + " b c d e f g h i j k l m n o p"}};
  Result<net::HttpResponse> overflow = client.post("/v1/completions", long_prompt.dump());
  ASSERT_TRUE(overflow.ok());
  EXPECT_EQ(overflow->status, 400);
  EXPECT_NE(overflow->body.find("context holds 16"), std::string::npos) << overflow->body;

  const json bad_value = {{"prompt", "x"}, {"temperature", 9}};
  Result<net::HttpResponse> out_of_range = client.post("/v1/completions", bad_value.dump());
  ASSERT_TRUE(out_of_range.ok());
  EXPECT_EQ(out_of_range->status, 400);
  EXPECT_NE(out_of_range->body.find("temperature"), std::string::npos);

  Result<net::HttpResponse> unknown = client.get("/v1/engines");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404);
}

}  // namespace
}  // namespace cloister::tools::engine_cli
