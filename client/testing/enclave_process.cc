#include "client/testing/enclave_process.h"

#include <csignal>

#include "enclave/testing/release_fixture.h"
#include "testing/test_data.h"

namespace cloister::client::testing {

using namespace std::chrono_literals;

Result<std::filesystem::path> stories_model() {
  return ::cloister::testing::locate_test_data("models/stories260K.gguf");
}

Result<std::unique_ptr<EnclaveProcess>> EnclaveProcess::start(ReleaseLog& log,
                                                              const std::filesystem::path& work,
                                                              const std::filesystem::path& binary) {
  CLOISTER_ASSIGN_OR_RETURN(std::filesystem::path model, stories_model());
  std::filesystem::create_directories(work);
  const std::filesystem::path release = log.publish("enclave", binary, model);
  std::vector<std::string> argv = {binary.string(),
                                   "--provider",
                                   "simulated",
                                   "--state-dir",
                                   enclave::testing::simulated_state_dir().string(),
                                   "--model",
                                   model.string(),
                                   "--manifest",
                                   (release / "manifest.json").string(),
                                   "--release-proof",
                                   (release / "release.proof").string(),
                                   "--log-vkey",
                                   log.log_key().vkey(),
                                   "--witness-vkey",
                                   log.witness_key().vkey(),
                                   "--witness-threshold",
                                   "1",
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--threads",
                                   "1"};
  const std::string home = work.string();
  std::unique_ptr<EnclaveProcess> process(new EnclaveProcess());
  CLOISTER_ASSIGN_OR_RETURN(
      process->child_, enclave::testing::ChildProcess::spawn(
                           argv, work, {"HOME=" + home, "TMPDIR=" + home, "PATH=/usr/bin:/bin"},
                           work / "enclave.stdout", work / "enclave.stderr"));
  CLOISTER_ASSIGN_OR_RETURN(std::string ready,
                            process->child_->wait_for_stderr("event=ready", 120s));
  process->port_ = enclave::testing::port_from_ready_line(ready);
  if (process->port_ == 0) return Error(ErrorCode::kInternal, "no port in the ready line");
  return process;
}

EnclaveProcess::~EnclaveProcess() {
  if (child_) (void)child_->stop(SIGTERM, 30s);
}

std::string EnclaveProcess::session_url() const {
  return "ws://127.0.0.1:" + std::to_string(port_) + "/v1/session";
}

std::string EnclaveProcess::health_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/healthz";
}

}  // namespace cloister::client::testing
