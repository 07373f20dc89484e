// Test support: the real cloister-enclave binary (SIMULATED provider,
// stories260K) serving one release of a ReleaseLog, on a loopback port.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "client/testing/release_log.h"
#include "enclave/testing/child_process.h"

namespace cloister::client::testing {

// Returns the stories260K model path, or an error when the test data is absent.
Result<std::filesystem::path> stories_model();

class EnclaveProcess {
 public:
  // Publishes a release of `binary` in `log` and starts the enclave on it,
  // waiting until it is ready. `work` holds its output files.
  static Result<std::unique_ptr<EnclaveProcess>> start(ReleaseLog& log,
                                                       const std::filesystem::path& work,
                                                       const std::filesystem::path& binary);
  ~EnclaveProcess();

  uint16_t port() const { return port_; }
  // ws://127.0.0.1:PORT/v1/session
  std::string session_url() const;
  std::string health_url() const;

 private:
  std::unique_ptr<enclave::testing::ChildProcess> child_;
  uint16_t port_ = 0;
};

}  // namespace cloister::client::testing
