// The real cloister-enclave binary as a child process: configured by a file
// plus flags, it boots, serves verified sessions, stops on SIGTERM, and
// leaves no prompt or completion text in anything it wrote (the leak scan).
// It refuses to start on a model whose digest the manifest does not list.
#include <fstream>

#include <gtest/gtest.h>

#include "base/files.h"
#include "enclave/testing/child_process.h"
#include "enclave/testing/release_fixture.h"
#include "enclave/testing/test_client.h"
#include "net/http_client.h"
#include "testing/test_data.h"

namespace cloister::enclave {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Every option --help must explain.
const std::vector<std::string> kOptions = {"--config",
                                           "--provider",
                                           "--state-dir",
                                           "--configfs-root",
                                           "--sev-guest-device",
                                           "--snp-extra-certificates",
                                           "--tdx-collateral",
                                           "--gpu-evidence",
                                           "--evidence-refresh",
                                           "--model",
                                           "--manifest",
                                           "--release-proof",
                                           "--log-vkey",
                                           "--witness-vkey",
                                           "--witness-threshold",
                                           "--listen",
                                           "--io-threads",
                                           "--max-sessions",
                                           "--max-requests-per-session",
                                           "--max-request-bytes",
                                           "--max-buffered-output-bytes",
                                           "--idle-timeout",
                                           "--max-batch",
                                           "--max-queued",
                                           "--max-tokens",
                                           "--threads",
                                           "--upstream-workers",
                                           "--require-memory-lock"};

class EnclaveProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = ::cloister::testing::locate_test_data("models/stories260K.gguf");
    if (!model.ok()) {
      if (::cloister::testing::running_in_ci()) FAIL() << model.error().message();
      GTEST_SKIP() << model.error().message();
    }
    model_ = *model;
  }

  std::unique_ptr<testing::ChildProcess> spawn(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {CLOISTER_ENCLAVE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string home = work_.path().string();
    auto child = testing::ChildProcess::spawn(
        argv, work_.path(), {"HOME=" + home, "TMPDIR=" + home, "PATH=/usr/bin:/bin"},
        work_.path() / "stdout.txt", work_.path() / "stderr.txt");
    EXPECT_TRUE(child.ok()) << child.error().message();
    return child.ok() ? std::move(child).value() : nullptr;
  }

  std::string read_work_file(const std::string& name) {
    auto text = read_text_file(work_.path() / name);
    return text.ok() ? *text : std::string();
  }

  testing::TempDir work_;
  std::filesystem::path model_;
};

// Returns every file under `root` with its contents.
std::vector<std::pair<std::filesystem::path, std::string>> all_files(
    const std::filesystem::path& root) {
  std::vector<std::pair<std::filesystem::path, std::string>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    auto text = read_text_file(entry.path());
    files.emplace_back(entry.path(), text.ok() ? *text : std::string());
  }
  return files;
}

TEST_F(EnclaveProcessTest, HelpExplainsEveryOption) {
  auto child = spawn({"--help"});
  ASSERT_NE(child, nullptr);
  auto code = child->wait(30s);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0);
  const std::string help = read_work_file("stdout.txt");
  for (const std::string& option : kOptions) {
    EXPECT_NE(help.find(option), std::string::npos) << option << " is missing from --help";
  }
  EXPECT_NE(help.find("DEVELOPMENT ONLY"), std::string::npos);
}

TEST_F(EnclaveProcessTest, RefusesToStartOnAModelTheManifestDoesNotList) {
  testing::ReleaseOptions options;
  tlog::ModelFile other{"stories260K", {}};
  other.sha256.fill(0x42);
  options.models = {other};
  options.measured_binary = CLOISTER_ENCLAVE_BINARY;
  testing::ReleaseFixture release(options);
  auto child =
      spawn({"--provider", "simulated", "--state-dir", testing::simulated_state_dir().string(),
             "--model", model_.string(), "--manifest", release.manifest_path().string(),
             "--release-proof", release.release_proof_path().string(), "--listen", "127.0.0.1:0"});
  ASSERT_NE(child, nullptr);
  auto code = child->wait(60s);
  ASSERT_TRUE(code.ok());
  EXPECT_NE(*code, 0);
  const std::string stderr_text = read_work_file("stderr.txt");
  EXPECT_NE(stderr_text.find("checking the model file"), std::string::npos) << stderr_text;
  EXPECT_NE(stderr_text.find("does not list"), std::string::npos) << stderr_text;
  EXPECT_EQ(stderr_text.find("event=ready"), std::string::npos);
}

TEST_F(EnclaveProcessTest, ChatsThenLeavesNoContentInAnythingItWrote) {
  testing::ReleaseOptions options;
  options.models = {testing::model_entry("stories260K", model_)};
  options.settings["chat_template"] = std::string("plain");
  options.measured_binary = CLOISTER_ENCLAVE_BINARY;
  testing::ReleaseFixture release(options);

  // Part of the configuration in a file, the rest as flags (which win).
  {
    std::ofstream config(work_.path() / "enclave.toml");
    config << "provider = \"simulated\"\n"
           << "state-dir = \"" << testing::simulated_state_dir().string() << "\"\n"
           << "model = \"" << model_.string() << "\"\n"
           << "manifest = \"" << release.manifest_path().string() << "\"\n"
           << "release-proof = \"" << release.release_proof_path().string() << "\"\n"
           << "listen = \"127.0.0.1:1\"\n"
           << "threads = 1\n";
  }
  auto child = spawn({"--config", (work_.path() / "enclave.toml").string(), "--listen",
                      "127.0.0.1:0", "--log-vkey", release.log_vkey(), "--witness-vkey",
                      release.policy().witnesses[0].vkey(), "--witness-threshold", "1"});
  ASSERT_NE(child, nullptr);
  auto ready = child->wait_for_stderr("event=ready", 120s);
  ASSERT_TRUE(ready.ok()) << ready.error().message();
  const uint16_t port = testing::port_from_ready_line(*ready);
  ASSERT_NE(port, 0);
  // The SIMULATED provider is announced loudly.
  EXPECT_NE(ready->find("SIMULATED evidence"), std::string::npos);

  // Chats with distinctive text, down every path: streamed, whole, refused, cancelled.
  const std::string prompt = "Quokka saxophone nebula 8812 whispered";
  const std::string secret_role = "Xylophone-ostrich-5530";
  std::string completions;
  {
    net::IoPool pool(1);
    auto client = testing::TestClient::connect(
        pool, "ws://127.0.0.1:" + std::to_string(port) + "/v1/session", release.policy());
    ASSERT_TRUE(client.ok()) << client.error().message();
    const json messages = json::array({{{"role", "user"}, {"content", prompt}}});
    for (bool stream : {true, false}) {
      const std::string request = testing::chat_body(
          messages, {{"temperature", 0.9}, {"seed", 7}, {"max_tokens", 120}, {"stream", stream}});
      auto response = (*client)->call(request);
      ASSERT_TRUE(response.ok()) << response.error().message();
      ASSERT_FALSE(response->error_code) << response->error_reason;
      ASSERT_GT(response->content.size(), 40u);
      EXPECT_TRUE((*client)->check_receipt(request, *response).ok());
      completions += response->content + "\n";
    }
    auto refused =
        (*client)->call(testing::chat_body({{{"role", secret_role}, {"content", prompt}}}));
    ASSERT_TRUE(refused.ok());
    EXPECT_TRUE(refused->error_code.has_value());
    auto stream =
        (*client)->send(testing::chat_body(messages, {{"max_tokens", 1900}, {"stream", true}}));
    ASSERT_TRUE(stream.ok());
    auto first = (*client)->session().receive(system_clock().now() + 60s);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE((*client)->session().cancel(*stream).ok());
    ASSERT_TRUE((*client)->read_response(*stream).ok());
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    auto metrics = net::http_get(base + "/metrics");
    ASSERT_TRUE(metrics.ok());
    EXPECT_EQ(metrics->body.find("Quokka"), std::string::npos);
    (*client)->session().close();
  }
  auto code = child->stop(SIGTERM, 60s);
  ASSERT_TRUE(code.ok()) << code.error().message();
  EXPECT_EQ(*code, 0) << read_work_file("stderr.txt");

  // The needles: the prompt and its distinctive words, the rejected role, and
  // every 20-byte piece of every completion. The number goes with a word: on
  // its own, 4 digits turn up by chance in the random hex the simulated
  // provider keeps (its chip id held "8812" once in about 500 runs).
  std::vector<std::string> needles = {prompt, "Quokka", "saxophone", "nebula 8812", secret_role};
  for (size_t at = 0; at + 20 <= completions.size(); at += 20) {
    needles.push_back(completions.substr(at, 20));
  }
  auto files = all_files(work_.path());
  auto state = all_files(testing::simulated_state_dir());
  files.insert(files.end(), state.begin(), state.end());
  size_t scanned_bytes = 0;
  for (const auto& [path, contents] : files) {
    if (path.filename() == "enclave.toml") continue;  // the test's own input
    scanned_bytes += contents.size();
    for (const std::string& needle : needles) {
      EXPECT_EQ(contents.find(needle), std::string::npos)
          << path << " contains \"" << needle << "\"";
    }
  }
  // The scan covered the process's output: its log says what happened.
  const std::string log = read_work_file("stderr.txt");
  EXPECT_NE(log.find("event=request_done"), std::string::npos) << log;
  EXPECT_NE(log.find("event=session_end"), std::string::npos) << log;
  EXPECT_GT(scanned_bytes, 500u);
}

}  // namespace
}  // namespace cloister::enclave
