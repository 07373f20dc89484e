// The embedded back end on the real stories260K model: its greedy output from
// BOS must be the reference text of llama2.c (../shared/data/models), alone
// and with eight sequences batched; and the scheduler's cancellation, limits
// and fairness.
#include "enclave/embedded_backend.h"

#include <sched.h>

#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "testing/test_data.h"

namespace cloister::enclave {
namespace {

using namespace std::chrono_literals;

// Records what a job produced; can be told to cancel it.
class Recorder final : public CompletionObserver {
 public:
  explicit Recorder(std::function<void()> on_done = {}) : on_done_(std::move(on_done)) {}

  void on_text(std::string_view text) override {
    std::lock_guard lock(mutex_);
    text_ += text;
    ++pieces_;
    changed_.notify_all();
  }
  void on_finished(engine::FinishReason reason, const Usage& usage) override {
    finish(reason, usage, std::nullopt);
  }
  void on_failed(ChatFailure failure) override { finish(std::nullopt, {}, std::move(failure)); }
  bool cancelled() const override { return cancel_.load(); }

  void cancel() { cancel_ = true; }
  bool wait_done(std::chrono::seconds timeout = 60s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done_; });
  }
  bool wait_for_text(std::chrono::seconds timeout = 60s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return pieces_ > 0 || done_; });
  }
  std::string text() const {
    std::lock_guard lock(mutex_);
    return text_;
  }
  std::optional<engine::FinishReason> reason() const {
    std::lock_guard lock(mutex_);
    return reason_;
  }
  Usage usage() const {
    std::lock_guard lock(mutex_);
    return usage_;
  }
  std::optional<ChatFailure> failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
  }
  int terminal_calls() const {
    std::lock_guard lock(mutex_);
    return terminal_calls_;
  }

 private:
  void finish(std::optional<engine::FinishReason> reason, Usage usage,
              std::optional<ChatFailure> failure) {
    if (on_done_) on_done_();  // before waiters can see the job done
    {
      std::lock_guard lock(mutex_);
      reason_ = reason;
      usage_ = usage;
      failure_ = std::move(failure);
      done_ = true;
      ++terminal_calls_;
      changed_.notify_all();
    }
  }

  std::function<void()> on_done_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string text_;
  int pieces_ = 0;
  bool done_ = false;
  int terminal_calls_ = 0;
  std::optional<engine::FinishReason> reason_;
  Usage usage_;
  std::optional<ChatFailure> failure_;
  std::atomic<bool> cancel_{false};
};

std::string read_text(const std::filesystem::path& path) {
  Bytes bytes = ::cloister::testing::read_test_file(path);
  return {bytes.begin(), bytes.end()};
}

ChatJob greedy_job(uint64_t session, std::shared_ptr<CompletionObserver> observer,
                   uint32_t max_tokens = 200, std::string prompt = "") {
  ChatJob job;
  job.session_id = session;
  job.request.messages = {{"user", std::move(prompt)}};
  job.request.sampling.temperature = 0;
  job.request.sampling.max_tokens = max_tokens;
  job.observer = std::move(observer);
  return job;
}

class EmbeddedBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto located = ::cloister::testing::locate_test_data("models/stories260K.gguf");
    if (!located.ok()) {
      if (::cloister::testing::running_in_ci()) FAIL() << located.error().message();
      GTEST_SKIP() << located.error().message();
    }
    auto model = engine::Model::load(*located);
    ASSERT_TRUE(model.ok()) << model.error().message();
    model_ = std::move(model).value();
  }

  std::unique_ptr<EmbeddedBackend> start(uint32_t max_batch = 8, size_t max_queued = 64,
                                         uint32_t context = 0) {
    EmbeddedOptions options;
    options.prompt.plain = true;  // stories260K is a base model without a chat template
    options.max_batch = max_batch;
    options.max_queued = max_queued;
    options.context_length = context;
    return std::make_unique<EmbeddedBackend>(model_, options);
  }

  std::shared_ptr<const engine::Model> model_;
};

TEST_F(EmbeddedBackendTest, ReproducesTheStoriesReferenceText) {
  CLOISTER_TEST_DATA(expected_path, "models/stories260K.greedy200.txt");
  auto backend = start();
  auto recorder = std::make_shared<Recorder>();
  ASSERT_FALSE(backend->submit(greedy_job(1, recorder)).has_value());
  ASSERT_TRUE(recorder->wait_done());
  EXPECT_EQ(recorder->text(), read_text(expected_path));
  EXPECT_EQ(recorder->reason(), engine::FinishReason::kLength);
  EXPECT_EQ(recorder->usage().prompt_tokens, 1u);  // BOS alone
  EXPECT_EQ(recorder->usage().completion_tokens, 200u);
  EXPECT_EQ(recorder->terminal_calls(), 1);
}

TEST_F(EmbeddedBackendTest, EightSequencesBatchedTogetherEachGetTheReferenceText) {
  CLOISTER_TEST_DATA(expected_path, "models/stories260K.greedy200.txt");
  const std::string expected = read_text(expected_path);
  auto backend = start(8);
  std::vector<std::shared_ptr<Recorder>> recorders;
  for (uint64_t session = 1; session <= 8; ++session) {
    recorders.push_back(std::make_shared<Recorder>());
    // Different lengths, so that sequences leave the batch at different steps.
    const uint32_t max_tokens = 100 + 10 * static_cast<uint32_t>(session);
    ASSERT_FALSE(backend->submit(greedy_job(session, recorders.back(), max_tokens)).has_value());
  }
  for (size_t i = 0; i < recorders.size(); ++i) {
    ASSERT_TRUE(recorders[i]->wait_done());
    const std::string text = recorders[i]->text();
    EXPECT_TRUE(expected.starts_with(text)) << "sequence " << i << ": " << text;
    EXPECT_GT(text.size(), expected.size() / 3);
    EXPECT_EQ(recorders[i]->usage().completion_tokens, 110u + 10 * i);
  }
}

TEST_F(EmbeddedBackendTest, TheEngineRunsAsBatchWorkSoItsWakeUpsPreemptNoSessionThread) {
  auto backend = start();
  // Observers are told on the scheduler thread, so the recorder's callback
  // can ask the kernel how that thread is scheduled.
  std::atomic<int> policy{-1};
  auto recorder = std::make_shared<Recorder>([&] { policy = sched_getscheduler(0); });
  ASSERT_FALSE(backend->submit(greedy_job(1, recorder, 4)).has_value());
  ASSERT_TRUE(recorder->wait_done());
  EXPECT_EQ(recorder->reason(), engine::FinishReason::kLength);
  EXPECT_EQ(policy.load(), SCHED_BATCH);
}

TEST_F(EmbeddedBackendTest, CancellationStopsARunningSequence) {
  auto backend = start();
  auto recorder = std::make_shared<Recorder>();
  ASSERT_FALSE(backend->submit(greedy_job(1, recorder, 1500)).has_value());
  ASSERT_TRUE(recorder->wait_for_text());
  recorder->cancel();
  ASSERT_TRUE(recorder->wait_done());
  EXPECT_EQ(recorder->reason(), engine::FinishReason::kCancelled);
  EXPECT_LT(recorder->usage().completion_tokens, 1500u);
  EXPECT_EQ(recorder->terminal_calls(), 1);
}

TEST_F(EmbeddedBackendTest, RefusesAPromptThatDoesNotFitTheContext) {
  auto backend = start(8, 64, 16);
  auto recorder = std::make_shared<Recorder>();
  auto refused = backend->submit(
      greedy_job(1, recorder, 10, "Once upon a time there was a very long prompt that overflows"));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code, ChatErrorCode::kContextLengthExceeded);
  EXPECT_NE(refused->reason.find("the context holds 16"), std::string::npos);
  EXPECT_EQ(refused->reason.find("Once upon"), std::string::npos);
  EXPECT_EQ(recorder->terminal_calls(), 0);
}

TEST_F(EmbeddedBackendTest, RefusesWhenTheQueueIsFull) {
  auto backend = start(1, 1);
  auto running = std::make_shared<Recorder>();
  ASSERT_FALSE(backend->submit(greedy_job(1, running, 1900)).has_value());
  ASSERT_TRUE(running->wait_for_text());  // admitted: the queue is empty again
  auto queued = std::make_shared<Recorder>();
  ASSERT_FALSE(backend->submit(greedy_job(2, queued, 5)).has_value());
  auto refused = backend->submit(greedy_job(3, std::make_shared<Recorder>(), 5));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code, ChatErrorCode::kOverloaded);
  // A cancelled queued job frees its place.
  queued->cancel();
  EXPECT_FALSE(backend->submit(greedy_job(3, std::make_shared<Recorder>(), 5)).has_value());
  running->cancel();
  ASSERT_TRUE(queued->wait_done());
  EXPECT_EQ(queued->reason(), engine::FinishReason::kCancelled);
}

TEST_F(EmbeddedBackendTest, SessionsTakeTurnsForPlacesInTheBatch) {
  auto backend = start(1);
  std::mutex mutex;
  std::vector<std::string> finished;
  auto recorder_for = [&](std::string name) {
    return std::make_shared<Recorder>([&, name] {
      std::lock_guard lock(mutex);
      finished.push_back(name);
    });
  };
  // Hold the single place in the batch while the others queue.
  auto blocker = std::make_shared<Recorder>();
  ASSERT_FALSE(backend->submit(greedy_job(9, blocker, 1900)).has_value());
  ASSERT_TRUE(blocker->wait_for_text());
  std::vector<std::shared_ptr<Recorder>> jobs = {recorder_for("a1"), recorder_for("a2"),
                                                 recorder_for("a3"), recorder_for("b1")};
  ASSERT_FALSE(backend->submit(greedy_job(1, jobs[0], 3)).has_value());
  ASSERT_FALSE(backend->submit(greedy_job(1, jobs[1], 3)).has_value());
  ASSERT_FALSE(backend->submit(greedy_job(1, jobs[2], 3)).has_value());
  ASSERT_FALSE(backend->submit(greedy_job(2, jobs[3], 3)).has_value());
  blocker->cancel();
  for (auto& job : jobs) ASSERT_TRUE(job->wait_done());
  std::lock_guard lock(mutex);
  EXPECT_EQ(finished, (std::vector<std::string>{"a1", "b1", "a2", "a3"}));
}

TEST_F(EmbeddedBackendTest, StoppingFailsQueuedAndRunningJobs) {
  auto backend = start(1);
  auto running = std::make_shared<Recorder>();
  auto queued = std::make_shared<Recorder>();
  ASSERT_FALSE(backend->submit(greedy_job(1, running, 1900)).has_value());
  ASSERT_TRUE(running->wait_for_text());
  ASSERT_FALSE(backend->submit(greedy_job(2, queued, 5)).has_value());
  backend->stop();
  ASSERT_TRUE(running->wait_done(1s));
  ASSERT_TRUE(queued->wait_done(1s));
  EXPECT_EQ(running->failure()->code, ChatErrorCode::kEngineFailure);
  EXPECT_EQ(queued->failure()->code, ChatErrorCode::kEngineFailure);
  EXPECT_TRUE(backend->submit(greedy_job(3, std::make_shared<Recorder>(), 5)).has_value());
}

}  // namespace
}  // namespace cloister::enclave
