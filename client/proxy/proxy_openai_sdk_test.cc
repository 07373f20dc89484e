// `cloister proxy` driven by the official openai npm package, end to end:
// the real cloister-enclave (SIMULATED TEE, stories260K, a real logged
// release) behind the real cloister-host's relay, the real `cloister proxy`,
// and node running npm-test/proxy.test.mjs with the package installed by
// `npm ci` (the client_proxy_npm_ci fixture). Checks streaming, whole
// answers, /v1/models, a mid-stream abort that cancels the generation in the
// enclave, and a policy that does not trust SIMULATED evidence, which refuses
// with an OpenAI-shaped error and forwards nothing.
#include <csignal>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/files.h"
#include "client/policy/trust_policy.h"
#include "enclave/testing/child_process.h"
#include "enclave/testing/release_fixture.h"
#include "host/testing/host_process.h"
#include "testing/test_data.h"

namespace cloister::client::proxy {
namespace {

using namespace std::chrono_literals;
using enclave::testing::ChildProcess;
using enclave::testing::TempDir;

// Returns the number after the first "port=" in `text`, or 0.
uint16_t port_after(std::string_view text) {
  const size_t at = text.find("port=");
  unsigned port = 0;
  for (size_t i = at + 5; at != std::string_view::npos && i < text.size() && text[i] >= '0' &&
                          text[i] <= '9' && port <= 65535;
       ++i) {
    port = port * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return port <= 65535 ? static_cast<uint16_t>(port) : 0;
}

size_t count(const std::string& text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class ProxyOpenAiSdkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(std::filesystem::path(CLOISTER_PROXY_NPM_DIR) / "node_modules" /
                                 "openai" / "package.json")) {
      const std::string why = "the openai package is not installed in " +
                              std::string(CLOISTER_PROXY_NPM_DIR) +
                              " (the client_proxy_npm_ci test runs npm ci)";
      if (::cloister::testing::running_in_ci()) FAIL() << why;
      GTEST_SKIP() << why;
    }
    auto model = ::cloister::testing::locate_test_data("models/stories260K.gguf");
    if (!model.ok()) {
      if (::cloister::testing::running_in_ci()) FAIL() << model.error().message();
      GTEST_SKIP() << model.error().message();
    }
    enclave::testing::ReleaseOptions options;
    options.models = {enclave::testing::model_entry("stories260K", *model)};
    options.settings["chat_template"] = std::string("plain");
    options.measured_binary = CLOISTER_ENCLAVE_BINARY;
    release_ = std::make_unique<enclave::testing::ReleaseFixture>(options);

    model_ = *model;
    ASSERT_NO_FATAL_FAILURE(start_enclave("enclave", 0));

    const std::string enclave_base = "127.0.0.1:" + std::to_string(enclave_port_);
    const nlohmann::json host_config = {
        {"relay",
         {{"replicas",
           {{{"name", "a"},
             {"url", "ws://" + enclave_base + "/v1/session"},
             {"health_url", "http://" + enclave_base + "/healthz"}}}},
          {"require_token", false},
          {"health_interval_seconds", 0.2}}}};
    ASSERT_TRUE(
        write_file_atomically(work_.path() / "host.json", as_bytes(host_config.dump())).ok());
    auto host = host::testing::HostProcess::start(
        CLOISTER_HOST_BINARY,
        {"--config", (work_.path() / "host.json").string(), "--database",
         "sqlite:" + (work_.path() / "host.db").string(), "--migrate"},
        work_.path());
    ASSERT_TRUE(host.ok()) << host.error().message();
    host_ = std::move(host).value();
  }

  // Starts the enclave on `port` (0: a free one), its log in NAME.err.
  void start_enclave(const std::string& name, uint16_t port) {
    enclave_ = spawn(name, {CLOISTER_ENCLAVE_BINARY,
                            "--provider",
                            "simulated",
                            "--state-dir",
                            enclave::testing::simulated_state_dir().string(),
                            "--model",
                            model_.string(),
                            "--manifest",
                            release_->manifest_path().string(),
                            "--release-proof",
                            release_->release_proof_path().string(),
                            "--log-vkey",
                            release_->log_vkey(),
                            "--witness-vkey",
                            release_->policy().witnesses[0].vkey(),
                            "--witness-threshold",
                            "1",
                            "--listen",
                            "127.0.0.1:" + std::to_string(port),
                            "--threads",
                            "1"});
    ASSERT_NE(enclave_, nullptr);
    auto ready = enclave_->wait_for_stderr("event=ready", 120s);
    ASSERT_TRUE(ready.ok()) << ready.error().message();
    enclave_port_ = enclave::testing::port_from_ready_line(*ready);
    ASSERT_NE(enclave_port_, 0);
  }

  std::unique_ptr<ChildProcess> spawn(const std::string& name,
                                      const std::vector<std::string>& argv) {
    const std::string home = work_.path().string();
    auto child = ChildProcess::spawn(
        argv, work_.path(), {"HOME=" + home, "TMPDIR=" + home, "PATH=/usr/bin:/bin"},
        work_.path() / (name + ".out"), work_.path() / (name + ".err"));
    EXPECT_TRUE(child.ok()) << child.error().message();
    return child.ok() ? std::move(child).value() : nullptr;
  }

  // Starts `cloister proxy` in front of the host, trusting the release's log
  // by flags, or by a client policy file when `policy_file` is set; returns
  // its base URL.
  std::string start_proxy(bool allow_simulated, bool policy_file = false) {
    std::vector<std::string> argv = {
        CLOISTER_BINARY, "proxy",
        "--listen",      "127.0.0.1:0",
        "--host",        "ws://127.0.0.1:" + std::to_string(host_->port()) + "/v1/session"};
    if (policy_file) {
      TrustPolicy policy;
      policy.log_keys = {release_->policy().log_key};
      policy.witnesses = release_->policy().witnesses;
      policy.witness_threshold = 1;
      policy.allow_simulated = allow_simulated;
      EXPECT_TRUE(save_policy(work_.path() / "policy.json", policy).ok());
      argv.insert(argv.end(), {"--policy", (work_.path() / "policy.json").string()});
    } else {
      argv.insert(argv.end(), {"--log-vkey", release_->log_vkey(), "--witness-vkey",
                               release_->policy().witnesses[0].vkey(), "--witness-threshold", "1"});
      if (allow_simulated) argv.push_back("--allow-simulated");
    }
    proxy_ = spawn("proxy", argv);
    if (proxy_ == nullptr) return "";
    auto ready = proxy_->wait_for_stderr("port=", 120s);
    EXPECT_TRUE(ready.ok()) << ready.error().message();
    if (!ready.ok()) return "";
    proxy_log_ = *ready;
    const uint16_t port = port_after(*ready);
    EXPECT_NE(port, 0) << *ready;
    return "http://127.0.0.1:" + std::to_string(port) + "/v1";
  }

  // Runs the node script in `mode`; returns its exit code, output in `output`.
  int run_node(const std::string& url, const std::string& mode, std::string* output) {
    auto node = ChildProcess::spawn(
        {CLOISTER_NODE_BINARY, std::string(CLOISTER_PROXY_NPM_DIR) + "/proxy.test.mjs", mode},
        CLOISTER_PROXY_NPM_DIR,
        {"PROXY_URL=" + url, "HOME=" + work_.path().string(), "PATH=/usr/bin:/bin"},
        work_.path() / ("node-" + mode + ".out"), work_.path() / ("node-" + mode + ".err"));
    EXPECT_TRUE(node.ok()) << node.error().message();
    if (!node.ok()) return -1;
    auto code = (*node)->wait(300s);
    *output = read_log("node-" + mode + ".out") + read_log("node-" + mode + ".err");
    return code.ok() ? *code : -1;
  }

  std::string read_log(const std::string& name) {
    auto text = read_text_file(work_.path() / name);
    return text.ok() ? *text : std::string();
  }

  TempDir work_;
  std::filesystem::path model_;
  uint16_t enclave_port_ = 0;
  std::unique_ptr<enclave::testing::ReleaseFixture> release_;
  std::unique_ptr<ChildProcess> enclave_;
  std::unique_ptr<host::testing::HostProcess> host_;
  std::unique_ptr<ChildProcess> proxy_;
  std::string proxy_log_;
};

TEST_F(ProxyOpenAiSdkTest, StreamsAnswersListsModelsAndCancelsThroughTheOpenAiPackage) {
  const std::string url = start_proxy(/*allow_simulated=*/true);
  ASSERT_FALSE(url.empty());
  EXPECT_NE(proxy_log_.find("verified simulated-sev-snp (SIMULATED)"), std::string::npos)
      << proxy_log_;
  std::string output;
  EXPECT_EQ(run_node(url, "verified", &output), 0) << output << "\nproxy:\n"
                                                   << read_log("proxy.err");
  EXPECT_NE(output.find("verified: all passed"), std::string::npos) << output;

  // The abort reached the enclave as a cancel, which stopped the generation.
  const std::string enclave_log = read_log("enclave.err");
  EXPECT_GE(count(enclave_log, "event=request_cancelled"), 1u) << enclave_log;
}

TEST_F(ProxyOpenAiSdkTest, AttestsAgainAfterTheEnclaveRestarts) {
  const std::string url = start_proxy(/*allow_simulated=*/true);
  ASSERT_FALSE(url.empty());
  std::string output;
  ASSERT_EQ(run_node(url, "one", &output), 0) << output << read_log("proxy.err");

  // A new enclave process on the same address: new keys, new evidence.
  ASSERT_TRUE(enclave_->stop(SIGTERM, 60s).ok());
  ASSERT_NO_FATAL_FAILURE(start_enclave("enclave2", enclave_port_));
  EXPECT_EQ(run_node(url, "one", &output), 0) << output << read_log("proxy.err");
  // The proxy did not reuse the dead session: the new enclave ran a handshake
  // for it, and served the request.
  const std::string log = read_log("enclave2.err");
  EXPECT_GE(count(log, "event=session_start"), 1u) << log;
  EXPECT_GE(count(log, "event=request_done"), 1u) << log;
}

TEST_F(ProxyOpenAiSdkTest, RefusesWithAnOpenAiErrorWhenThePolicyDoesNotTrustSimulated) {
  const std::string before = read_log("enclave.err");
  // The user's policy file, with the safe default: SIMULATED not allowed.
  const std::string url = start_proxy(/*allow_simulated=*/false, /*policy_file=*/true);
  ASSERT_FALSE(url.empty());
  EXPECT_NE(proxy_log_.find("not verified"), std::string::npos) << proxy_log_;
  std::string output;
  EXPECT_EQ(run_node(url, "refused", &output), 0) << output << "\nproxy:\n"
                                                  << read_log("proxy.err");
  EXPECT_NE(output.find("refused: all passed"), std::string::npos) << output;

  // Nothing was forwarded: the enclave saw handshakes, never a request.
  const std::string after = read_log("enclave.err");
  EXPECT_EQ(count(after, "event=request"), count(before, "event=request")) << after;
  EXPECT_GE(count(after, "event=handshake") + count(after, "event=session"), 1u) << after;
}

}  // namespace
}  // namespace cloister::client::proxy
