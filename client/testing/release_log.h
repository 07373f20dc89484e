// Test support: a transparency log whose keys the test keeps, so that it can
// publish a release for the real cloister-enclave and later grow the log
// (a newer witnessed checkpoint, to test rollback detection). Mirrors what
// scripts/release does, with the tlog library in a temporary directory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "base/clock.h"
#include "client/policy/trust_policy.h"
#include "tlog/log_directory.h"
#include "tlog/manifest.h"
#include "tlog/note.h"
#include "tlog/witness.h"

namespace cloister::client::testing {

class ReleaseLog {
 public:
  // Creates a log and one witness under `dir`.
  explicit ReleaseLog(std::filesystem::path dir);

  // Publishes a manifest for `enclave_binary` serving `model` (named
  // "stories260K", plain chat template), cosigns the checkpoint, and writes
  // manifest.json and release.proof under dir/name/. Returns that directory.
  std::filesystem::path publish(const std::string& name,
                                const std::filesystem::path& enclave_binary,
                                const std::filesystem::path& model);
  // Appends an unrelated entry and cosigns: the log's checkpoint advances.
  void grow();
  // A fork under `dir`: a second log signed and cosigned with this log's
  // keys, whose first entry differs. Grown to the same size, its checkpoint
  // is a split view: the same origin and size, another tree.
  ReleaseLog fork(std::filesystem::path dir) const;
  // The newest cosigned checkpoint note.
  std::string checkpoint() const;
  // The first cosigned checkpoint (size 1, before any release).
  const std::string& first_checkpoint() const { return first_checkpoint_; }

  const std::filesystem::path& tiles_dir() const { return log_dir_; }
  const tlog::NoteVerifier& log_key() const { return log_key_->verifier(); }
  const tlog::NoteVerifier& witness_key() const { return witness_key_->verifier(); }
  // A client policy that pins this log and witness (threshold 1) and allows SIMULATED.
  TrustPolicy policy() const;

 private:
  ReleaseLog(std::filesystem::path dir, tlog::NoteSigner log_key, tlog::NoteSigner witness_key,
             std::string_view first_entry);
  void cosign(uint64_t old_size);

  std::filesystem::path dir_;
  std::filesystem::path log_dir_;
  std::optional<tlog::NoteSigner> log_key_;
  std::optional<tlog::NoteSigner> witness_key_;
  std::optional<tlog::LogDirectory> log_;
  std::optional<tlog::Witness> witness_;
  uint64_t witnessed_size_ = 0;
  std::string first_checkpoint_;
  FixedClock clock_{from_unix_seconds(1'700'000'000)};
};

}  // namespace cloister::client::testing
