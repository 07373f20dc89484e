// The `cloister` binary end to end, against a real host (in-process
// HostService on SQLite) relaying to the real cloister-enclave (SIMULATED
// provider, stories260K): init -> ask -> history list shows it -> a second
// state directory unlocks with the recovery code and sees the same history;
// passphrase and recovery code unlock, a wrong passphrase fails clearly, a
// removed slot stops working; and the client refuses SIMULATED evidence
// unless the policy allows it.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/files.h"
#include "client/account/session_cache.h"
#include "client/testing/enclave_process.h"
#include "enclave/testing/release_fixture.h"
#include "host/testing/host_harness.h"
#include "testing/test_data.h"

namespace cloister::tools {
namespace {

using namespace std::chrono_literals;

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

std::string read_or_empty(const std::filesystem::path& path) {
  auto text = read_text_file(path);
  return text.ok() ? *text : std::string();
}

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

class ClientCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!client::testing::stories_model().ok()) return;
    dir_ = new enclave::testing::TempDir();
    log_ = new client::testing::ReleaseLog(dir_->path() / "release");
    auto enclave = client::testing::EnclaveProcess::start(*log_, dir_->path() / "enclave",
                                                          CLOISTER_ENCLAVE_BINARY);
    if (!enclave.ok()) {
      ADD_FAILURE() << enclave.error().message();
      return;
    }
    enclave_ = enclave->release();
    host::HostConfig config = host::testing::test_config(dir_->path());
    config.port = free_port();
    config.auth.origin = "http://127.0.0.1:" + std::to_string(config.port);
    config.log_dir = log_->tiles_dir();
    config.relay.replicas = {{"enclave-1", enclave_->session_url(), enclave_->health_url()}};
    auto host = host::testing::start_host(config);
    if (!host.ok()) {
      ADD_FAILURE() << host.error().message();
      return;
    }
    host_ = host->release();
    origin_ = new std::string(config.auth.origin);
    // Wait until the relay has seen the replica healthy.
    std::this_thread::sleep_for(500ms);
  }
  static void TearDownTestSuite() {
    delete host_;
    delete enclave_;
    delete log_;
    delete origin_;
    delete dir_;
    host_ = nullptr;
    enclave_ = nullptr;
    log_ = nullptr;
    origin_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    auto model = client::testing::stories_model();
    if (!model.ok()) {
      if (::cloister::testing::running_in_ci()) FAIL() << model.error().message();
      GTEST_SKIP() << model.error().message();
    }
    ASSERT_NE(host_, nullptr);
  }

  // Runs `cloister ARGS` (through sh -c when `shell` is set) with `env`.
  CliRun cloister(const std::vector<std::string>& args, std::vector<std::string> env = {},
                  const std::string& shell_prefix = "") {
    const std::filesystem::path out = work_.path() / ("out" + std::to_string(runs_));
    const std::filesystem::path err = work_.path() / ("err" + std::to_string(runs_++));
    env.push_back("HOME=" + work_.path().string());
    env.push_back("PATH=/usr/bin:/bin");
    env.push_back("CLOISTER_KEYRING=off");  // every command unlocks for itself
    std::vector<std::string> argv;
    if (shell_prefix.empty()) {
      argv.push_back(CLOISTER_BINARY_PATH);
      argv.insert(argv.end(), args.begin(), args.end());
    } else {
      std::string command = shell_prefix + " | " + CLOISTER_BINARY_PATH;
      for (const std::string& arg : args) command += " '" + arg + "'";
      argv = {"/bin/sh", "-c", command};
    }
    CliRun run;
    auto child = enclave::testing::ChildProcess::spawn(argv, work_.path(), env, out, err);
    if (!child.ok()) {
      ADD_FAILURE() << child.error().message();
      return run;
    }
    auto code = (*child)->wait(120s);
    run.code = code.ok() ? *code : -1;
    run.out = read_or_empty(out);
    run.err = read_or_empty(err);
    return run;
  }

  std::string home(const std::string& name) const { return (work_.path() / name).string(); }

  // init with a passphrase, pinning the test log; returns the recovery code.
  std::string init(const std::string& name, bool allow_simulated = true) {
    std::vector<std::string> args = {"init",      "--home",
                                     home(name),  "--host",
                                     *origin_,    "--passphrase",
                                     "--log-key", log_->log_key().vkey(),
                                     "--witness", log_->witness_key().vkey()};
    if (allow_simulated) args.push_back("--allow-simulated");
    CliRun run = cloister(args, {"CLOISTER_PASSPHRASE=" + passphrase_});
    EXPECT_EQ(run.code, 0) << run.out << run.err;
    std::smatch match;
    const std::regex code_pattern("([0-9A-Z]{4}(-[0-9A-Z]{4}){7})");
    EXPECT_TRUE(std::regex_search(run.out, match, code_pattern)) << run.out;
    return match.empty() ? "" : match[1].str();
  }

  std::vector<std::string> with_passphrase() const {
    return {"CLOISTER_PASSPHRASE=" + passphrase_};
  }

  enclave::testing::TempDir work_;
  int runs_ = 0;
  const std::string passphrase_ = "correct horse battery staple";
  static enclave::testing::TempDir* dir_;
  static client::testing::ReleaseLog* log_;
  static client::testing::EnclaveProcess* enclave_;
  static host::HostService* host_;
  static std::string* origin_;
};

enclave::testing::TempDir* ClientCliTest::dir_ = nullptr;
client::testing::ReleaseLog* ClientCliTest::log_ = nullptr;
client::testing::EnclaveProcess* ClientCliTest::enclave_ = nullptr;
host::HostService* ClientCliTest::host_ = nullptr;
std::string* ClientCliTest::origin_ = nullptr;

TEST_F(ClientCliTest, InitAskHistoryThenASecondDeviceWithTheRecoveryCode) {
  const std::string recovery = init("a");
  ASSERT_FALSE(recovery.empty());
  EXPECT_EQ(read_or_empty(work_.path() / "a" / "account.json").find(recovery), std::string::npos);

  CliRun asked = cloister(
      {"ask", "--home", home("a"), "--max-tokens", "16", "--seed", "3", "Once upon a time"},
      with_passphrase());
  ASSERT_EQ(asked.code, 0) << asked.err;
  EXPECT_GT(asked.out.size(), 1u);
  EXPECT_NE(asked.err.find("SIMULATED"), std::string::npos) << asked.err;

  // From a pipe, too.
  CliRun piped = cloister({"ask", "--home", home("a"), "--max-tokens", "8", "-"}, with_passphrase(),
                          "echo 'The little dog'");
  ASSERT_EQ(piped.code, 0) << piped.err;

  CliRun listed = cloister({"history", "list", "--home", home("a")}, with_passphrase());
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_NE(listed.out.find("Once upon a time"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("The little dog"), std::string::npos) << listed.out;

  // A second device: unlock with the recovery code only.
  CliRun unlocked = cloister({"unlock", "--home", home("b"), "--host", *origin_, "--recovery-code"},
                             {"CLOISTER_RECOVERY_CODE=" + recovery});
  ASSERT_EQ(unlocked.code, 0) << unlocked.err;
  CliRun second =
      cloister({"history", "list", "--home", home("b")}, {"CLOISTER_RECOVERY_CODE=" + recovery});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_NE(second.out.find("Once upon a time"), std::string::npos) << second.out;
  std::smatch line;
  ASSERT_TRUE(
      std::regex_search(second.out, line, std::regex("(conv-[0-9a-f]+) .*Once upon a time")));
  const std::string id = line[1].str();
  CliRun shown = cloister({"history", "show", "--home", home("b"), "--json", id},
                          {"CLOISTER_RECOVERY_CODE=" + recovery});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.out.find("receipt"), std::string::npos);

  // The passphrase works on the second device too (it knows the account now).
  CliRun by_passphrase = cloister({"history", "list", "--home", home("b")}, with_passphrase());
  EXPECT_EQ(by_passphrase.code, 0) << by_passphrase.err;

  // Export (encrypted: no plaintext inside), remove, import back.
  const std::string exported = (work_.path() / "export.json").string();
  ASSERT_EQ(cloister({"history", "export", "--home", home("a"), exported}, with_passphrase()).code,
            0);
  const std::string sealed = read_or_empty(exported);
  EXPECT_EQ(sealed.find("Once upon a time"), std::string::npos);
  ASSERT_EQ(cloister({"history", "rm", "--home", home("a"), id}, with_passphrase()).code, 0);
  CliRun after_rm = cloister({"history", "list", "--home", home("b")}, with_passphrase());
  EXPECT_EQ(after_rm.out.find("Once upon a time"), std::string::npos) << after_rm.out;
  CliRun imported =
      cloister({"history", "import", "--home", home("a"), exported}, with_passphrase());
  ASSERT_EQ(imported.code, 0) << imported.err;
  CliRun restored = cloister({"history", "list", "--home", home("b")}, with_passphrase());
  EXPECT_NE(restored.out.find("Once upon a time"), std::string::npos) << restored.out;
}

TEST_F(ClientCliTest, WrongPassphraseFailsClearlyAndARemovedSlotStopsWorking) {
  const std::string recovery = init("c");
  CliRun wrong = cloister({"history", "list", "--home", home("c")},
                          {"CLOISTER_PASSPHRASE=not the passphrase"});
  EXPECT_NE(wrong.code, 0);
  EXPECT_NE(wrong.err.find("wrong passphrase"), std::string::npos) << wrong.err;

  CliRun slots = cloister({"slots", "list", "--home", home("c")}, with_passphrase());
  ASSERT_EQ(slots.code, 0) << slots.err;
  // Slot ids print as hex: a base64url id could begin with '-' and then read
  // as an option on the command line.
  std::smatch match;
  ASSERT_TRUE(std::regex_search(slots.out, match, std::regex("([0-9a-f]{64})  passphrase")))
      << slots.out;
  const std::string slot = match[1].str();

  // Remove the passphrase slot, unlocked by the recovery code.
  CliRun removed = cloister({"slots", "remove", "--home", home("c"), slot},
                            {"CLOISTER_RECOVERY_CODE=" + recovery});
  ASSERT_EQ(removed.code, 0) << removed.err;
  CliRun gone = cloister({"history", "list", "--home", home("c")}, with_passphrase());
  EXPECT_NE(gone.code, 0);
  EXPECT_NE(gone.err.find("wrong passphrase (or its slot was removed)"), std::string::npos)
      << gone.err;
  // The recovery code still works, and the last slot cannot be removed.
  CliRun still =
      cloister({"history", "list", "--home", home("c")}, {"CLOISTER_RECOVERY_CODE=" + recovery});
  EXPECT_EQ(still.code, 0) << still.err;
}

TEST_F(ClientCliTest, RefusesSimulatedEvidenceUnlessThePolicyAllowsItAndVerifyPrintsIt) {
  init("d", /*allow_simulated=*/false);
  CliRun refused =
      cloister({"ask", "--home", home("d"), "--max-tokens", "4", "hello"}, with_passphrase());
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("refused: SIMULATED evidence not allowed"), std::string::npos)
      << refused.err;
  EXPECT_TRUE(refused.out.empty()) << refused.out;

  ASSERT_EQ(cloister({"policy", "set", "--home", home("d"), "--allow-simulated", "true"}).code, 0);
  CliRun verified = cloister({"verify", "--home", home("d"), "--json"}, with_passphrase());
  ASSERT_EQ(verified.code, 0) << verified.err;
  auto json = nlohmann::json::parse(verified.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << verified.out;
  EXPECT_EQ(json["simulated"], true);
  EXPECT_EQ(json["platform"], "sev-snp");
  EXPECT_EQ(json["models"][0]["name"], "stories260K");
  EXPECT_EQ(json["checkpoint"]["witnesses"].size(), 1u);
  CliRun text = cloister({"verify", "--home", home("d")}, with_passphrase());
  EXPECT_NE(text.out.find("SIMULATED"), std::string::npos);

  // The newest checkpoint is now stored in the policy.
  CliRun policy = cloister({"policy", "show", "--home", home("d"), "--json"});
  EXPECT_NE(policy.out.find("client-test.cloister.example/releases"), std::string::npos)
      << policy.out;
}

TEST_F(ClientCliTest, RefusesAReleaseOlderThanThePolicysMinimumAndNamesIt) {
  init("m");
  ASSERT_EQ(cloister({"policy", "set", "--home", home("m"), "--min-release", "0.2.0"}).code, 0);
  CliRun refused = cloister({"verify", "--home", home("m")}, with_passphrase());
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("refused: release below the policy minimum: release 0.1.0-enclave "
                             "is older than the policy's minimum, 0.2.0"),
            std::string::npos)
      << refused.err;

  CliRun bad = cloister({"policy", "set", "--home", home("m"), "--min-release", "2"});
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("not a semantic version"), std::string::npos) << bad.err;

  ASSERT_EQ(cloister({"policy", "set", "--home", home("m"), "--min-release", "0.1.0-enclave"}).code,
            0);
  CliRun verified = cloister({"verify", "--home", home("m")}, with_passphrase());
  EXPECT_EQ(verified.code, 0) << verified.err;
  CliRun policy = cloister({"policy", "show", "--home", home("m")});
  EXPECT_NE(policy.out.find("min release:         0.1.0-enclave"), std::string::npos) << policy.out;
}

TEST_F(ClientCliTest, ChatReplCommandsWorkAndEveryAnswerSaysSimulated) {
  init("e");
  const std::string script =
      "printf 'Once upon a time\\n/rename First story\\n/folder tales\\n/system Be brief.\\n"
      "/new\\nThe cat\\n/list\\n/open 2\\n/verify\\n/delete\\n/list\\n/quit\\n'";
  CliRun chat =
      cloister({"chat", "--home", home("e"), "--max-tokens", "8"}, with_passphrase(), script);
  ASSERT_EQ(chat.code, 0) << chat.out << chat.err;
  // Two answers, each marked SIMULATED.
  size_t marks = 0;
  for (size_t at = chat.out.find("[SIMULATED]"); at != std::string::npos;
       at = chat.out.find("[SIMULATED]", at + 1)) {
    ++marks;
  }
  EXPECT_EQ(marks, 2u) << chat.out;
  EXPECT_NE(chat.out.find("First story  [tales]"), std::string::npos) << chat.out;
  EXPECT_NE(chat.out.find("(system) Be brief."), std::string::npos) << chat.out;
  EXPECT_NE(chat.out.find("verified:     yes (SIMULATED)"), std::string::npos) << chat.out;
  EXPECT_NE(chat.out.find("(deleted \"First story\")"), std::string::npos) << chat.out;
  // After the delete only "The cat" is left.
  CliRun listed = cloister({"history", "list", "--home", home("e")}, with_passphrase());
  EXPECT_EQ(listed.out.find("First story"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("The cat"), std::string::npos) << listed.out;
}

TEST(SessionCache, KeepsTheSecretInTheKernelKeyringUntilLocked) {
  enclave::testing::TempDir home;
  crypto::SecretBytes root(ByteSpan(to_bytes(std::string(32, 'r'))));
  Status cached = client::cache_root_secret(home.path(), root, 60s);
  if (!cached.ok()) GTEST_SKIP() << "no kernel keyring here: " << cached.error().message();
  auto read = client::cached_root_secret(home.path());
  ASSERT_TRUE(read.has_value());
  EXPECT_TRUE(read->equals(root.span()));
  enclave::testing::TempDir other;
  EXPECT_FALSE(client::cached_root_secret(other.path()).has_value());
  EXPECT_TRUE(client::forget_root_secret(home.path()));
  EXPECT_FALSE(client::cached_root_secret(home.path()).has_value());
  EXPECT_FALSE(client::forget_root_secret(home.path()));
}

}  // namespace
}  // namespace cloister::tools
