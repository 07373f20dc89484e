// cloister-log's subcommands, grouped by what they touch: the log directory,
// proofs, witnesses and manifests. Each add_* function registers its
// subcommands and their actions on the program; the work is done by tlog.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tlog/release_verify.h"
#include "tools/common/cli.h"

namespace cloister::tools::log {

// init, append, checkpoint.
void add_log_commands(Program& program);
// prove inclusion|consistency|release, verify inclusion|consistency|release.
void add_proof_commands(Program& program);
// witness init|cosign|status|request|attach.
void add_witness_commands(Program& program);
// manifest create|show.
void add_manifest_commands(Program& program);

// The pinned keys a verifying command takes: --vkey, --witness-vkey and
// --threshold (default: every listed witness).
struct PolicyOptions {
  std::string vkey;
  std::vector<std::string> witness_vkeys;
  int threshold = -1;
  bool accept_older = false;

  // Adds the options to `command`; --vkey is required.
  void add_to(CLI::App* command);
  // Returns the trust policy the options describe.
  Result<tlog::LogTrustPolicy> build() const;
};

// Prints the outcome of a failed step: "rejected: ..." with kExitRejected for
// verdicts (kRejected, kUnavailable, kConflict), otherwise a usage error.
int report_failure(const Program& program, const Error& error);

// Reads the file at `path`, or standard input when `path` is "-".
Result<std::string> read_input(const std::string& path);

// Writes a secret key file with mode 0600, refusing to replace one.
Status write_key_file(const std::string& path, ByteSpan key);

// Reads and parses a signer key file.
Result<tlog::NoteSigner> read_key_file(const std::string& path);

}  // namespace cloister::tools::log
