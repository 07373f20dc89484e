// Test-only: the real cloister-host binary as a child process, so tests can
// kill it with SIGKILL mid-write and measure its memory from outside.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace cloister::host::testing {

class HostProcess {
 public:
  // Runs `binary serve <args> --port 0 --ready-file ...` and waits until it
  // listens. Its stderr goes to `dir`/host.log.
  static Result<std::unique_ptr<HostProcess>> start(const std::string& binary,
                                                    std::vector<std::string> args,
                                                    const std::filesystem::path& dir);
  // Kills the process if it is still running.
  ~HostProcess();
  HostProcess(const HostProcess&) = delete;
  HostProcess& operator=(const HostProcess&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGKILL, as a crash or the OOM killer would, then reaps the process.
  void kill_hard();
  // SIGTERM, then waits; returns the exit status (or -1).
  int stop();
  // Returns the peak resident set size (VmHWM) in KiB, or 0 if unknown.
  size_t peak_rss_kib() const;
  // Returns the current resident set size (VmRSS) in KiB, or 0 if unknown.
  size_t rss_kib() const;

 private:
  HostProcess(pid_t pid, uint16_t port) : pid_(pid), port_(port) {}
  size_t status_field_kib(std::string_view field) const;

  pid_t pid_;
  uint16_t port_;
  bool running_ = true;
};

}  // namespace cloister::host::testing
