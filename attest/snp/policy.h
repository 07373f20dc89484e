// What a client demands of an SEV-SNP report beyond a valid chain and
// signature. The defaults forbid debug and a migration agent, allow SMT,
// refuse SIMULATED evidence, and leave measurement and REPORT_DATA unchecked
// (the verdict notes that); a client sets both from the release manifest and
// the session binding.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "attest/snp/tcb.h"

namespace cloister::attest::snp {

struct Policy {
  bool allow_debug = false;
  bool allow_migration_agent = false;
  bool allow_smt = true;
  // Development only: accept reports from the SIMULATED provider's stand-in chain.
  bool allow_simulated = false;
  std::optional<uint32_t> required_vmpl{};
  uint32_t minimum_guest_svn = 0;
  std::optional<TcbParts> minimum_tcb{};
  // nullopt: not checked. An empty list accepts nothing.
  std::optional<std::vector<Bytes>> accepted_measurements{};
  std::optional<std::array<uint8_t, 64>> expected_report_data{};
};

// Parses a policy from JSON with the keys allow_debug, allow_migration_agent,
// allow_smt, allow_simulated (booleans), vmpl, minimum_guest_svn (integers),
// minimum_tcb ({bootloader, tee, snp, microcode, fmc}), measurements (hex
// strings of 48 bytes) and report_data (hex of 64 bytes). Unknown keys are
// errors, so that a typo never weakens a policy.
Result<Policy> parse_policy_json(std::string_view json);

}  // namespace cloister::attest::snp
