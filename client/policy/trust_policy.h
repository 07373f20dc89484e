// The client's trust policy: which transparency logs and witnesses it pins,
// which TEE platforms and minimum TCBs it accepts, whether it accepts the
// SIMULATED development provider (never by default), and the newest
// checkpoint it has seen of each log (to detect rollback and split views).
// It lives as JSON in the client's state directory (docs/client.md).
//
//   {"format": "cloister/client-policy/v1",
//    "log_keys": [VKEY...], "witnesses": [VKEY...], "witness_threshold": N,
//    "platforms": ["sev-snp", "tdx"], "allow_simulated": false,
//    "min_snp_tcb": {"bootloader": N, "tee": N, "snp": N, "microcode": N, "fmc": N?} | null,
//    "min_tdx_tee_tcb_svn": HEX16 | null, "require_gpu_evidence": false,
//    "min_release": SEMVER | null,
//    "checkpoints": {ORIGIN: SIGNED-CHECKPOINT-NOTE}}
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "tlog/manifest.h"
#include "tlog/release_verify.h"

namespace cloister::client {

inline constexpr std::string_view kPolicyFormat = "cloister/client-policy/v1";
inline constexpr std::string_view kPlatformSnp = "sev-snp";
inline constexpr std::string_view kPlatformTdx = "tdx";

struct TrustPolicy {
  std::vector<tlog::NoteVerifier> log_keys;  // accepted logs (a key's name is its origin)
  std::vector<tlog::NoteVerifier> witnesses;
  size_t witness_threshold = 1;
  std::vector<std::string> platforms{std::string(kPlatformSnp), std::string(kPlatformTdx)};
  bool allow_simulated = false;  // development only; every chat then says SIMULATED
  // Floors on top of the release manifest's own min_tcb (the higher wins).
  std::optional<tlog::SnpTcb> min_snp_tcb;
  std::optional<std::array<uint8_t, 16>> min_tdx_tee_tcb_svn;
  bool require_gpu_evidence = false;
  // The oldest release trusted, as a semantic version (tlog/release_version.h):
  // a logged release stays in the log, and this is how its trust ends.
  std::optional<std::string> min_release;
  // The newest verified checkpoint note of each log, by origin.
  std::map<std::string, std::string> checkpoints;

  // Returns true if `platform` ("sev-snp" or "tdx") is accepted.
  bool accepts_platform(std::string_view platform) const;
  // Returns the tlog policy for the log named `origin`, or kRejected
  // ("checkpoint is not from the pinned log") when no pinned key has that name.
  Result<tlog::LogTrustPolicy> log_policy(std::string_view origin) const;
  // Returns the stored checkpoint note of `origin`, if any.
  std::optional<std::string_view> stored_checkpoint(std::string_view origin) const;
};

// Returns the policy as pretty-printed JSON (the file's contents).
std::string policy_to_json(const TrustPolicy& policy);
// Parses a policy file. Unknown keys and bad values are kMalformed errors, so
// that a typo never weakens the policy silently.
Result<TrustPolicy> parse_policy_json(std::string_view json);

// Loads the policy at `path`; a missing file gives the safe defaults.
Result<TrustPolicy> load_policy(const std::filesystem::path& path);
// Writes `policy` to `path` atomically, readable by the owner only.
Status save_policy(const std::filesystem::path& path, const TrustPolicy& policy);

// Records `note` as the newest checkpoint of its log in the policy at `path`
// (load, set, save), under a lock so that concurrent clients do not lose an
// update. `origin` is the note's log origin.
Status record_checkpoint(const std::filesystem::path& path, const std::string& origin,
                         const std::string& note);

// Returns a one-line-per-setting human summary of `policy`.
std::string describe_policy(const TrustPolicy& policy);

}  // namespace cloister::client
