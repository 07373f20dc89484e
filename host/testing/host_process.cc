#include "host/testing/host_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/files.h"

namespace cloister::host::testing {

Result<std::unique_ptr<HostProcess>> HostProcess::start(const std::string& binary,
                                                        std::vector<std::string> args,
                                                        const std::filesystem::path& dir) {
  auto ready = dir / "host.port";
  std::filesystem::remove(ready);
  std::vector<std::string> argv = {binary, "serve"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--port", "0", "--ready-file", ready.string()});
  std::string log = (dir / "host.log").string();

  pid_t pid = ::fork();
  if (pid < 0) return Error(ErrorCode::kIo, "fork failed");
  if (pid == 0) {
    int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd >= 0) {
      ::dup2(log_fd, STDERR_FILENO);
      ::dup2(log_fd, STDOUT_FILENO);
    }
    std::vector<char*> raw;
    raw.reserve(argv.size() + 1);
    for (auto& arg : argv) raw.push_back(arg.data());
    raw.push_back(nullptr);
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  auto process = std::unique_ptr<HostProcess>(new HostProcess(pid, 0));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = read_text_file(ready, 64);
    if (text.ok() && !text->empty()) {
      process->port_ = static_cast<uint16_t>(std::stoi(*text));
      return process;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      process->running_ = false;
      auto output = read_text_file(log, 1 << 20);
      return Error(ErrorCode::kUnavailable,
                   "cloister-host exited before listening: " + (output.ok() ? *output : ""));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Error(ErrorCode::kDeadlineExceeded, "cloister-host did not start listening in 30 s");
}

HostProcess::~HostProcess() { kill_hard(); }

void HostProcess::kill_hard() {
  if (!running_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  running_ = false;
}

int HostProcess::stop() {
  if (!running_) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  running_ = false;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

size_t HostProcess::status_field_kib(std::string_view field) const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field)) {
      std::istringstream values(line.substr(field.size()));
      size_t kib = 0;
      values >> kib;
      return kib;
    }
  }
  return 0;
}

size_t HostProcess::peak_rss_kib() const { return status_field_kib("VmHWM:"); }
size_t HostProcess::rss_kib() const { return status_field_kib("VmRSS:"); }

}  // namespace cloister::host::testing
