// Test support: a program run as a child process, with its stdout and stderr
// going to files the test reads (to find the port a server chose, and to scan
// everything the process wrote). The child is killed if the test forgets it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace cloister::enclave::testing {

class ChildProcess {
 public:
  // Starts argv[0] with `argv` in directory `cwd`, with `environment`
  // ("NAME=value") as its whole environment; stdout and stderr are written
  // to the two files.
  static Result<std::unique_ptr<ChildProcess>> spawn(const std::vector<std::string>& argv,
                                                     const std::filesystem::path& cwd,
                                                     const std::vector<std::string>& environment,
                                                     const std::filesystem::path& stdout_file,
                                                     const std::filesystem::path& stderr_file);
  // Kills the child if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Waits until the stderr file holds `needle` and returns its contents.
  // Fails if the child exits first or `timeout` passes.
  Result<std::string> wait_for_stderr(std::string_view needle, std::chrono::milliseconds timeout);
  // Sends `signal` and waits up to `timeout` for the child to exit; returns
  // its exit code (128 + signal number if a signal ended it). Kills it after
  // the timeout.
  Result<int> stop(int signal, std::chrono::milliseconds timeout);
  // Waits up to `timeout` for the child to exit by itself.
  Result<int> wait(std::chrono::milliseconds timeout);

 private:
  ChildProcess(pid_t pid, std::filesystem::path stderr_file)
      : pid_(pid), stderr_file_(std::move(stderr_file)) {}
  // Returns the exit code if the child has exited.
  std::optional<int> poll();

  pid_t pid_;
  std::filesystem::path stderr_file_;
  std::optional<int> exit_code_;
};

// Returns the number after "port=" in `text` (the enclave's "ready" line), or 0.
uint16_t port_from_ready_line(std::string_view text);

}  // namespace cloister::enclave::testing
