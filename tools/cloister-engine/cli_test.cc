// cloister-engine, run as a separate process the way a user runs it.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "base/files.h"
#include "engine/testing/fixture_model.h"
#include "net/http_client.h"
#include "testing/temp_dir.h"
#include "testing/test_data.h"

namespace cloister::tools {
namespace {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
};

// This test binary's own scratch directory: ctest runs several test
// processes at once, and a shared name let one test's stdin replace another's.
const std::filesystem::path& scratch_dir() {
  static const testing::TempDir dir("cloister-engine-cli");
  return dir.path();
}

std::string quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs cloister-engine with `args` (and `input` on stdin); stdout is captured,
// stderr goes to a file so tests can read it.
ProcessResult run(const std::vector<std::string>& args, const std::string& input = "",
                  std::string* err = nullptr) {
  const std::string stdin_path = scratch_dir() / "stdin";
  const std::string stderr_path = scratch_dir() / "stderr";
  EXPECT_TRUE(write_file_atomically(stdin_path, as_bytes(input)).ok());
  std::string command = quote(CLOISTER_ENGINE_BINARY);
  for (const std::string& arg : args) command += " " + quote(arg);
  command += " <" + quote(stdin_path) + " 2>" + quote(stderr_path);
  ProcessResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.out.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (err != nullptr) {
    Result<std::string> text = read_text_file(stderr_path);
    *err = text.ok() ? *text : "";
  }
  return result;
}

std::string read_data(const std::filesystem::path& path) {
  Bytes bytes = testing::read_test_file(path);
  return {bytes.begin(), bytes.end()};
}

class TokenizeInpTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizeInpTest, PrintsExactlyTheLlamaCppOutFile) {
  CLOISTER_TEST_DATA(vocab, "vocab/" + GetParam());
  CLOISTER_TEST_DATA(inp, "vocab/" + GetParam() + ".inp");
  CLOISTER_TEST_DATA(out, "vocab/" + GetParam() + ".out");
  ProcessResult result = run({"tokenize", "-m", vocab.string(), "--inp", inp.string()});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, read_data(out));
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, TokenizeInpTest,
                         ::testing::Values("ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf",
                                           "ggml-vocab-qwen2.gguf"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return std::to_string(param_info.index);
                         });

TEST(CloisterEngineCli, TokenizesTextArgumentsAndStandardInput) {
  CLOISTER_TEST_DATA(vocab, "vocab/ggml-vocab-llama-spm.gguf");
  EXPECT_EQ(run({"tokenize", "-m", vocab.string(), "Hello world"}).out, " 1 15043 3186\n");
  EXPECT_EQ(run({"tokenize", "-m", vocab.string(), "--no-bos", "Hello world"}).out,
            " 15043 3186\n");
  EXPECT_EQ(run({"tokenize", "-m", vocab.string(), "--no-bos", "-"}, "Hello world").out,
            " 15043 3186\n");
  EXPECT_EQ(run({"tokenize", "-m", vocab.string(), "--no-bos", "--parse-special", "</s>"}).out,
            " 2\n");
}

TEST(CloisterEngineCli, RunsStories260KGreedilyToTheReferenceText) {
  CLOISTER_TEST_DATA(model, "models/stories260K.gguf");
  CLOISTER_TEST_DATA(expected, "models/stories260K.greedy200.txt");
  ProcessResult result = run({"run", "-m", model.string(), "--temp", "0", "-n", "200", "-t", "1"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, read_data(expected));
}

TEST(CloisterEngineCli, ContinuesAPromptAndStopsAtAStopString) {
  CLOISTER_TEST_DATA(model, "models/stories260K.gguf");
  ProcessResult result = run({"run", "-m", model.string(), "-p", "Once upon a time,", "--temp", "0",
                              "-n", "50", "--stop", "."});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, " there was a little girl named Lily");
}

TEST(CloisterEngineCli, ChatsThroughTheModelsTemplate) {
  engine::fixtures::FixtureOptions options;
  options.architecture = engine::Architecture::kQwen2;
  options.always_token = 269;  // <|im_end|>: every answer is empty and ends at once
  engine::fixtures::FixtureFile fixture(options);
  std::string err;
  ProcessResult result = run({"run", "-m", fixture.path().string(), "--chat", "-v", "--temp", "0"},
                             "hi\nagain\n", &err);
  EXPECT_EQ(result.exit_code, 0) << err;
  EXPECT_EQ(result.out, "\n\n");  // two empty answers
  EXPECT_NE(err.find("finish: stop"), std::string::npos) << err;
}

TEST(CloisterEngineCli, InfoDescribesTheModel) {
  CLOISTER_TEST_DATA(model, "models/stories260K.gguf");
  ProcessResult result = run({"info", "-m", model.string()});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* line :
       {"architecture: llama\n", "layers: 5\n", "heads: 8 (kv 4, head width 8)\n",
        "f32: 48 tensors", "runnable: yes\n", "chat template: none recognized\n",
        "vocabulary: 512 (llama, SentencePiece"}) {
    EXPECT_NE(result.out.find(line), std::string::npos) << line << " in:\n" << result.out;
  }
}

TEST(CloisterEngineCli, BenchWritesARandomModelAndReportsItsSpeed) {
  const std::string path = scratch_dir() / "bench_random.gguf";
  // The 125m shape in Q4_K_M: loads, prefills, decodes one and two sequences,
  // in two rounds.
  ProcessResult result = run({"bench",  "--write-random",
                              path,     "--shape",
                              "125m",   "--type",
                              "q4_k_m", "-m",
                              path,     "-t",
                              "2",      "-p",
                              "8",      "-n",
                              "2",      "--batch",
                              "2",      "--bandwidth-mib",
                              "64",     "-r",
                              "2"});
  EXPECT_EQ(result.exit_code, 0) << result.out;
  for (const char* line :
       {"prefill pp8: ", "decode tg2: ", "decode tg2 with 2 sequences: ",
        "read bandwidth (2 threads): ", "ratios within a round, median (range) of 2: decode ",
        "; 2 sequences "}) {
    EXPECT_NE(result.out.find(line), std::string::npos) << line << " in:\n" << result.out;
  }
  ProcessResult info = run({"info", "-m", path});
  EXPECT_NE(info.out.find("q4_K: "), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("q6_K: "), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("layers: 12\n"), std::string::npos) << info.out;
  std::filesystem::remove(path);
  EXPECT_EQ(run({"bench", "-m", path, "--kernels", "avx9"}).exit_code, 2);  // a usage error
}

TEST(CloisterEngineCli, InfoOnAVocabularyOnlyFileSaysItCannotRun) {
  CLOISTER_TEST_DATA(vocab, "vocab/ggml-vocab-gpt-2.gguf");
  ProcessResult result = run({"info", "-m", vocab.string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("architecture 'gpt2' is not supported"), std::string::npos)
      << result.out;
}

// Kills and reaps a child process on scope exit unless it was reaped already,
// so that a failed assertion never leaves a server running.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  ~ChildGuard() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  void reaped() { pid_ = 0; }

 private:
  pid_t pid_;
};

TEST(CloisterEngineCli, ServesUntilTerminated) {
  CLOISTER_TEST_DATA(model, "models/stories260K.gguf");
  const std::string stderr_path = scratch_dir() / "serve_stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> args = {CLOISTER_ENGINE_BINARY, "serve",    "-m",
                                   model.string(),         "--listen", "127.0.0.1:0",
                                   "--model-name",         "stories"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, CLOISTER_ENGINE_BINARY, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ChildGuard guard(pid);

  // The server reports the port it bound; wait (boundedly) for that line.
  std::string port;
  const std::regex listening(R"(http://127\.0\.0\.1:([0-9]+)/v1)");
  for (int attempt = 0; attempt < 200 && port.empty(); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Result<std::string> err = read_text_file(stderr_path);
    std::smatch match;
    if (err.ok() && std::regex_search(*err, match, listening)) port = match[1];
  }
  ASSERT_FALSE(port.empty()) << "the server did not report its address";
  Result<net::HttpResponse> models = net::http_get("http://127.0.0.1:" + port + "/v1/models");
  ASSERT_TRUE(models.ok()) << models.error().message();
  EXPECT_EQ(models->status, 200);
  EXPECT_NE(models->body.find("\"stories\""), std::string::npos);

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  guard.reaped();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(CloisterEngineCli, ErrorsGoToStderrWithAUsageExitCode) {
  std::string err;
  ProcessResult missing = run({"run", "-m", "/nonexistent.gguf", "-p", "x"}, "", &err);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(err.find("/nonexistent.gguf"), std::string::npos) << err;
  EXPECT_EQ(run({"tokenize"}).exit_code, 2);
}

}  // namespace
}  // namespace cloister::tools
