// What a client demands of a TDX quote beyond valid chains, signatures and
// collateral. The defaults forbid a debuggable TD, accept only the TCB status
// "UpToDate" for platform and QE, and leave MRTD, RTMRs and REPORTDATA
// unchecked (the verdict notes that).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attest/tdx/quote.h"

namespace cloister::attest::tdx {

struct Policy {
  bool allow_debug = false;
  // Intel TCB statuses accepted for the platform and for the QE.
  std::vector<std::string> accepted_tcb_statuses{"UpToDate"};
  // Accepted MRTD values. nullopt: not checked. Empty: nothing accepted.
  std::optional<std::vector<Measurement>> accepted_mrtds{};
  // Expected RTMR0..3; an unset entry is not checked.
  std::array<std::optional<Measurement>, 4> expected_rtmrs{};
  std::optional<std::array<uint8_t, 64>> expected_report_data{};
};

// Parses a policy from JSON with the keys allow_debug (boolean),
// accepted_tcb_statuses (strings), mrtds (hex, 48 bytes each), rtmrs (an
// array of four hex strings or nulls) and report_data (hex, 64 bytes).
// Unknown keys are errors.
Result<Policy> parse_policy_json(std::string_view json);

}  // namespace cloister::attest::tdx
