#include "attest/tdx/policy.h"

#include <algorithm>

#include "attest/json_fields.h"
#include "base/encoding.h"

namespace cloister::attest::tdx {

Result<Policy> parse_policy_json(std::string_view text) {
  CLOISTER_ASSIGN_OR_RETURN(json::Json object, json::parse_object(text, "TDX policy"));
  CLOISTER_TRY(json::reject_unknown_keys(
      object, {"allow_debug", "accepted_tcb_statuses", "mrtds", "rtmrs", "report_data"},
      "TDX policy"));
  Policy policy;
  CLOISTER_ASSIGN_OR_RETURN(auto debug, json::optional_bool(object, "allow_debug"));
  policy.allow_debug = debug.value_or(false);
  if (object.contains("accepted_tcb_statuses")) {
    const json::Json& statuses = object["accepted_tcb_statuses"];
    if (!statuses.is_array()) {
      return Error(ErrorCode::kMalformed, "\"accepted_tcb_statuses\" must be an array");
    }
    policy.accepted_tcb_statuses.clear();
    for (const json::Json& status : statuses) {
      if (!status.is_string()) {
        return Error(ErrorCode::kMalformed, "\"accepted_tcb_statuses\" must hold strings");
      }
      policy.accepted_tcb_statuses.push_back(status.get<std::string>());
    }
  }
  CLOISTER_ASSIGN_OR_RETURN(auto mrtds, json::optional_hex_list(object, "mrtds", 48));
  if (mrtds) {
    policy.accepted_mrtds.emplace();
    for (const Bytes& mrtd : *mrtds) {
      Measurement value{};
      std::copy(mrtd.begin(), mrtd.end(), value.begin());
      policy.accepted_mrtds->push_back(value);
    }
  }
  if (object.contains("rtmrs")) {
    const json::Json& rtmrs = object["rtmrs"];
    if (!rtmrs.is_array() || rtmrs.size() != 4) {
      return Error(ErrorCode::kMalformed, "\"rtmrs\" must be an array of four entries");
    }
    for (size_t i = 0; i < 4; ++i) {
      if (rtmrs[i].is_null()) continue;
      if (!rtmrs[i].is_string()) {
        return Error(ErrorCode::kMalformed, "\"rtmrs\" entries must be hex strings or null");
      }
      auto bytes = hex_decode(rtmrs[i].get<std::string>());
      if (!bytes.ok() || bytes->size() != 48) {
        return Error(ErrorCode::kMalformed,
                     "RTMR" + std::to_string(i) + " must be 48 bytes of hex");
      }
      Measurement value{};
      std::copy(bytes->begin(), bytes->end(), value.begin());
      policy.expected_rtmrs[i] = value;
    }
  }
  CLOISTER_ASSIGN_OR_RETURN(auto report_data, json::optional_hex(object, "report_data", 64));
  if (report_data) {
    std::array<uint8_t, 64> expected{};
    std::copy(report_data->begin(), report_data->end(), expected.begin());
    policy.expected_report_data = expected;
  }
  return policy;
}

}  // namespace cloister::attest::tdx
