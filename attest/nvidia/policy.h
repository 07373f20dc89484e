// What a client demands of NVIDIA GPU evidence beyond a chain to NVIDIA's
// device root and a valid signature: that the GET_MEASUREMENTS request carried
// the client's nonce, and, when a reference integrity manifest (RIM) is
// supplied, that every measurement it lists is one of its golden values.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "attest/nvidia/spdm.h"

namespace cloister::attest::nvidia {

// Golden values per measurement index; a block matches if it equals any of them.
struct GoldenMeasurements {
  std::map<uint8_t, std::vector<Bytes>> values;
};

// Parses golden values from JSON: {"measurements": [{"index": 1, "values":
// ["<hex>", ...]}, ...]}.
Result<GoldenMeasurements> parse_golden_json(std::string_view json);

struct Policy {
  std::optional<std::array<uint8_t, kNonceSize>> expected_nonce{};
  std::optional<GoldenMeasurements> golden{};
};

// Parses a policy from JSON with the keys nonce (hex, 32 bytes) and
// measurements (as in parse_golden_json). Unknown keys are errors.
Result<Policy> parse_policy_json(std::string_view json);

}  // namespace cloister::attest::nvidia
