#include "attest/nvidia/policy.h"

#include <algorithm>

#include "attest/json_fields.h"

namespace cloister::attest::nvidia {
namespace {

Result<GoldenMeasurements> read_golden(const json::Json& list) {
  if (!list.is_array()) return Error(ErrorCode::kMalformed, "\"measurements\" must be an array");
  GoldenMeasurements golden;
  for (const json::Json& entry : list) {
    if (!entry.is_object()) {
      return Error(ErrorCode::kMalformed, "each golden measurement must be an object");
    }
    CLOISTER_TRY(json::reject_unknown_keys(entry, {"index", "values"}, "golden measurement"));
    CLOISTER_ASSIGN_OR_RETURN(uint64_t index, json::required_uint(entry, "index", 255));
    CLOISTER_ASSIGN_OR_RETURN(std::vector<Bytes> values,
                              json::required_hex_list(entry, "values", 0));
    if (values.empty()) {
      return Error(ErrorCode::kMalformed,
                   "golden measurement " + std::to_string(index) + " lists no values");
    }
    auto& slot = golden.values[static_cast<uint8_t>(index)];
    slot.insert(slot.end(), values.begin(), values.end());
  }
  return golden;
}

}  // namespace

Result<GoldenMeasurements> parse_golden_json(std::string_view text) {
  CLOISTER_ASSIGN_OR_RETURN(json::Json object, json::parse_object(text, "golden measurements"));
  CLOISTER_TRY(json::reject_unknown_keys(object, {"measurements"}, "golden measurements"));
  if (!object.contains("measurements")) {
    return Error(ErrorCode::kMalformed, "golden measurements lack \"measurements\"");
  }
  return read_golden(object["measurements"]);
}

Result<Policy> parse_policy_json(std::string_view text) {
  CLOISTER_ASSIGN_OR_RETURN(json::Json object, json::parse_object(text, "NVIDIA policy"));
  CLOISTER_TRY(json::reject_unknown_keys(object, {"nonce", "measurements"}, "NVIDIA policy"));
  Policy policy;
  CLOISTER_ASSIGN_OR_RETURN(auto nonce, json::optional_hex(object, "nonce", kNonceSize));
  if (nonce) {
    std::array<uint8_t, kNonceSize> expected{};
    std::copy(nonce->begin(), nonce->end(), expected.begin());
    policy.expected_nonce = expected;
  }
  if (object.contains("measurements")) {
    CLOISTER_ASSIGN_OR_RETURN(policy.golden, read_golden(object["measurements"]));
  }
  return policy;
}

}  // namespace cloister::attest::nvidia
