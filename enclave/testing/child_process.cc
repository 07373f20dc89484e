#include "enclave/testing/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "base/files.h"

namespace cloister::enclave::testing {
namespace {

using namespace std::chrono_literals;

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(
    const std::vector<std::string>& argv, const std::filesystem::path& cwd,
    const std::vector<std::string>& environment, const std::filesystem::path& stdout_file,
    const std::filesystem::path& stderr_file) {
  if (argv.empty()) return Error(ErrorCode::kInvalidArgument, "no program to run");
  // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  env.reserve(environment.size() + 1);
  for (const std::string& entry : environment) env.push_back(const_cast<char*>(entry.c_str()));
  env.push_back(nullptr);
  const int out = ::open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0 || err < 0) {
    if (out >= 0) ::close(out);
    if (err >= 0) ::close(err);
    return Error(ErrorCode::kIo, "cannot create the child's output files");
  }
  const std::string directory = cwd.string();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out);
    ::close(err);
    return Error(ErrorCode::kIo, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    const int null_in = ::open("/dev/null", O_RDONLY);
    if (null_in >= 0) ::dup2(null_in, STDIN_FILENO);
    if (::chdir(directory.c_str()) != 0) ::_exit(126);
    // The test blocks no signals the child needs; reset the mask it inherited.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(args[0], args.data(), env.data());
    ::_exit(127);
  }
  ::close(out);
  ::close(err);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, stderr_file));
}

ChildProcess::~ChildProcess() {
  if (!exit_code_) (void)stop(SIGKILL, 10s);
}

std::optional<int> ChildProcess::poll() {
  if (exit_code_) return exit_code_;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) exit_code_ = exit_code_of(status);
  return exit_code_;
}

Result<std::string> ChildProcess::wait_for_stderr(std::string_view needle,
                                                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto text = read_text_file(stderr_file_);
    if (text.ok() && text->find(needle) != std::string::npos) return text;
    if (poll()) {
      return Error(ErrorCode::kUnavailable, "the child exited with " + std::to_string(*exit_code_) +
                                                "; its stderr:\n" +
                                                (text.ok() ? *text : std::string()));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Error(ErrorCode::kDeadlineExceeded, "the child did not print the expected line");
    }
    std::this_thread::sleep_for(20ms);
  }
}

Result<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!poll()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return Error(ErrorCode::kDeadlineExceeded, "the child did not exit in time");
    }
    std::this_thread::sleep_for(20ms);
  }
  return *exit_code_;
}

Result<int> ChildProcess::stop(int signal, std::chrono::milliseconds timeout) {
  if (poll()) return *exit_code_;
  ::kill(pid_, signal);
  auto code = wait(timeout);
  if (code.ok()) return code;
  ::kill(pid_, SIGKILL);
  (void)wait(10s);
  return Error(ErrorCode::kDeadlineExceeded, "the child did not stop in time and was killed");
}

uint16_t port_from_ready_line(std::string_view text) {
  const size_t ready = text.find("event=ready");
  if (ready == std::string_view::npos) return 0;
  const size_t at = text.find(" port=", ready);
  if (at == std::string_view::npos) return 0;
  unsigned port = 0;
  for (size_t i = at + 6; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    port = port * 10 + static_cast<unsigned>(text[i] - '0');
    if (port > 65535) return 0;
  }
  return static_cast<uint16_t>(port);
}

}  // namespace cloister::enclave::testing
