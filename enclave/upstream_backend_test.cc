// The upstream back end against a real OpenAI-compatible server: the
// cloister-engine binary's `serve`, started by the test on loopback. The
// answers must equal what the engine library computes for the same prompt,
// both through the back end directly and through a whole enclave session.
#include "enclave/upstream_backend.h"

#include <condition_variable>

#include <gtest/gtest.h>

#include "base/files.h"
#include "enclave/enclave.h"
#include "enclave/testing/child_process.h"
#include "enclave/testing/release_fixture.h"
#include "enclave/testing/test_client.h"
#include "testing/test_data.h"

namespace cloister::enclave {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class Collector final : public CompletionObserver {
 public:
  void on_text(std::string_view text) override {
    std::lock_guard lock(mutex_);
    text_ += text;
    changed_.notify_all();
  }
  void on_finished(engine::FinishReason reason, const Usage& usage) override {
    std::lock_guard lock(mutex_);
    reason_ = reason;
    usage_ = usage;
    done_ = true;
    changed_.notify_all();
  }
  void on_failed(ChatFailure failure) override {
    std::lock_guard lock(mutex_);
    failure_ = std::move(failure);
    done_ = true;
    changed_.notify_all();
  }
  bool cancelled() const override { return cancel_.load(); }
  void cancel() { cancel_ = true; }

  bool wait(std::chrono::seconds timeout = 60s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done_; });
  }
  bool wait_for_text(std::chrono::seconds timeout = 60s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return !text_.empty() || done_; });
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::string text_;
  bool done_ = false;
  std::optional<engine::FinishReason> reason_;
  Usage usage_;
  std::optional<ChatFailure> failure_;
  std::atomic<bool> cancel_{false};
};

const std::vector<engine::ChatMessage> kConversation = {{"system", "You tell short stories."},
                                                        {"user", "Tell me about a cat."}};

class UpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = ::cloister::testing::locate_test_data("models/stories260K.gguf");
    if (!model.ok()) {
      if (::cloister::testing::running_in_ci()) FAIL() << model.error().message();
      GTEST_SKIP() << model.error().message();
    }
    model_path_ = *model;
    const auto log = dir_.path() / "serve.log";
    auto serve = testing::ChildProcess::spawn(
        {CLOISTER_ENGINE_BINARY, "serve", "-m", model_path_.string(), "--listen", "127.0.0.1:0",
         "--chat-template", "chatml", "--model-name", "stories260K", "-t", "1"},
        dir_.path(), {}, dir_.path() / "serve.out", log);
    ASSERT_TRUE(serve.ok()) << serve.error().message();
    serve_ = std::move(serve).value();
    auto line = serve_->wait_for_stderr("/v1 (", 60s);
    ASSERT_TRUE(line.ok()) << line.error().message();
    const size_t at = line->find("http://127.0.0.1:");
    ASSERT_NE(at, std::string::npos);
    origin_ = line->substr(at, line->find("/v1", at) - at);
  }

  // What the engine library itself answers, greedily, for the conversation
  // rendered in ChatML: the reference the upstream must reproduce.
  engine::Completion reference(uint32_t max_tokens) {
    auto model = engine::Model::load(model_path_);
    EXPECT_TRUE(model.ok());
    auto prompt = (*model)->apply_chat_template(kConversation, true, "chatml");
    EXPECT_TRUE(prompt.ok());
    engine::GenerationOptions options;
    options.sampling = engine::greedy_sampling();
    options.max_tokens = max_tokens;
    auto completion = engine::generate(**model, (*model)->tokenize(*prompt, true, true), options);
    EXPECT_TRUE(completion.ok());
    return *completion;
  }

  ChatJob job(std::shared_ptr<CompletionObserver> observer, uint32_t max_tokens) {
    ChatJob chat;
    chat.session_id = 1;
    chat.request.messages = kConversation;
    chat.request.sampling.temperature = 0;
    chat.request.sampling.max_tokens = max_tokens;
    chat.observer = std::move(observer);
    return chat;
  }

  std::unique_ptr<UpstreamBackend> start_backend() {
    UpstreamOptions options;
    options.origin = origin_;
    options.model_name = "stories260K";
    auto backend = UpstreamBackend::start(options);
    EXPECT_TRUE(backend.ok());
    return std::move(backend).value();
  }

  testing::TempDir dir_;
  std::filesystem::path model_path_;
  std::unique_ptr<testing::ChildProcess> serve_;
  std::string origin_;
};

TEST_F(UpstreamTest, StreamsWhatTheEngineComputes) {
  const engine::Completion expected = reference(40);
  auto backend = start_backend();
  EXPECT_TRUE(backend->healthy());
  auto collector = std::make_shared<Collector>();
  ASSERT_FALSE(backend->submit(job(collector, 40)).has_value());
  ASSERT_TRUE(collector->wait());
  ASSERT_FALSE(collector->failure_) << collector->failure_->reason;
  EXPECT_EQ(collector->text_, expected.text);
  EXPECT_EQ(collector->reason_, engine::FinishReason::kLength);
  EXPECT_EQ(collector->usage_.completion_tokens, expected.completion_tokens);
  EXPECT_EQ(collector->usage_.prompt_tokens, expected.prompt_tokens);
}

TEST_F(UpstreamTest, CancellationStopsTheUpstreamStream) {
  auto backend = start_backend();
  auto collector = std::make_shared<Collector>();
  ASSERT_FALSE(backend->submit(job(collector, 1800)).has_value());
  ASSERT_TRUE(collector->wait_for_text());
  collector->cancel();
  ASSERT_TRUE(collector->wait());
  EXPECT_EQ(collector->reason_, engine::FinishReason::kCancelled);
}

TEST_F(UpstreamTest, AnUpstreamThatIsGoneFailsTheRequestWithoutDetail) {
  auto backend = start_backend();
  ASSERT_TRUE(serve_->stop(SIGTERM, 30s).ok());
  auto collector = std::make_shared<Collector>();
  ASSERT_FALSE(backend->submit(job(collector, 5)).has_value());
  ASSERT_TRUE(collector->wait());
  ASSERT_TRUE(collector->failure_.has_value());
  EXPECT_EQ(collector->failure_->code, ChatErrorCode::kEngineFailure);
  EXPECT_EQ(collector->failure_->reason, "the upstream engine is unavailable");
}

TEST_F(UpstreamTest, AnEnclaveServesThroughTheManifestsUpstream) {
  const engine::Completion expected = reference(40);
  testing::ReleaseOptions options;
  options.models = {testing::model_entry("stories260K", model_path_)};
  options.upstream = origin_ + "/v1";
  testing::ReleaseFixture release(options);
  auto enclave = Enclave::start(release.config(model_path_));
  ASSERT_TRUE(enclave.ok()) << enclave.error().message();
  EXPECT_EQ((*enclave)->backend().kind(), "upstream");

  net::IoPool pool(1);
  auto client = testing::TestClient::connect(
      pool, "ws://127.0.0.1:" + std::to_string((*enclave)->port()) + "/v1/session",
      release.policy());
  ASSERT_TRUE(client.ok()) << client.error().message();
  json messages = json::array();
  for (const engine::ChatMessage& message : kConversation) {
    messages.push_back({{"role", message.role}, {"content", message.content}});
  }
  const std::string request = testing::chat_body(
      messages,
      {{"temperature", 0}, {"max_tokens", 40}, {"stream", true}, {"model", "stories260K"}});
  auto response = (*client)->call(request);
  ASSERT_TRUE(response.ok()) << response.error().message();
  ASSERT_FALSE(response->error_code) << response->error_reason;
  EXPECT_EQ(response->content, expected.text);
  EXPECT_EQ((*response->end)["usage"]["completion_tokens"], expected.completion_tokens);
  EXPECT_TRUE((*client)->check_receipt(request, *response).ok());
}

}  // namespace
}  // namespace cloister::enclave
