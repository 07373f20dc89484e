// Test support: a real release, made the way scripts/release makes one but
// with the tlog library in a temporary directory: a log with one witness, a
// manifest naming the model and the enclave's simulated measurement, the
// witnessed release proof, and the files the enclave loads at boot.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "enclave/config.h"
#include "testing/temp_dir.h"
#include "tlog/manifest.h"
#include "tlog/release_verify.h"

namespace cloister::enclave::testing {

using TempDir = ::cloister::testing::TempDir;

// The SIMULATED provider's state directory, shared by a test process so that
// its RSA-4096 stand-in chain is generated once; removed at exit.
const std::filesystem::path& simulated_state_dir();

struct ReleaseOptions {
  std::vector<tlog::ModelFile> models;
  std::map<std::string, tlog::EngineSetting> settings;
  std::optional<std::string> upstream;
  // Whose simulated measurement the manifest lists: the running test binary
  // by default (the in-process enclave), or e.g. the cloister-enclave binary.
  std::filesystem::path measured_binary = "/proc/self/exe";
};

// Returns the manifest entry for the model file at `path` (SHA-256 of the file).
tlog::ModelFile model_entry(std::string name, const std::filesystem::path& path);

class ReleaseFixture {
 public:
  explicit ReleaseFixture(const ReleaseOptions& options);

  const std::filesystem::path& manifest_path() const { return manifest_path_; }
  const std::filesystem::path& release_proof_path() const { return proof_path_; }
  const Bytes& manifest_bytes() const { return manifest_bytes_; }
  const std::filesystem::path& directory() const { return dir_.path(); }
  // What a client pins: the log key and the witness, threshold 1.
  const tlog::LogTrustPolicy& policy() const { return *policy_; }
  std::string log_vkey() const { return policy_->log_key.vkey(); }

  // An enclave configuration for this release with the simulated provider,
  // serving `model` on a free loopback port.
  EnclaveConfig config(const std::filesystem::path& model) const;

 private:
  TempDir dir_;
  std::filesystem::path manifest_path_;
  std::filesystem::path proof_path_;
  Bytes manifest_bytes_;
  std::optional<tlog::LogTrustPolicy> policy_;  // set by the constructor
};

}  // namespace cloister::enclave::testing
