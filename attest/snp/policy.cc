#include "attest/snp/policy.h"

#include <algorithm>

#include "attest/json_fields.h"

namespace cloister::attest::snp {

Result<Policy> parse_policy_json(std::string_view text) {
  CLOISTER_ASSIGN_OR_RETURN(json::Json object, json::parse_object(text, "SNP policy"));
  CLOISTER_TRY(json::reject_unknown_keys(
      object,
      {"allow_debug", "allow_migration_agent", "allow_smt", "allow_simulated", "vmpl",
       "minimum_guest_svn", "minimum_tcb", "measurements", "report_data"},
      "SNP policy"));
  Policy policy;
  CLOISTER_ASSIGN_OR_RETURN(auto debug, json::optional_bool(object, "allow_debug"));
  CLOISTER_ASSIGN_OR_RETURN(auto migration, json::optional_bool(object, "allow_migration_agent"));
  CLOISTER_ASSIGN_OR_RETURN(auto smt, json::optional_bool(object, "allow_smt"));
  CLOISTER_ASSIGN_OR_RETURN(auto simulated, json::optional_bool(object, "allow_simulated"));
  policy.allow_debug = debug.value_or(policy.allow_debug);
  policy.allow_migration_agent = migration.value_or(policy.allow_migration_agent);
  policy.allow_smt = smt.value_or(policy.allow_smt);
  policy.allow_simulated = simulated.value_or(policy.allow_simulated);
  CLOISTER_ASSIGN_OR_RETURN(auto vmpl, json::optional_uint(object, "vmpl", 3));
  if (vmpl) policy.required_vmpl = static_cast<uint32_t>(*vmpl);
  CLOISTER_ASSIGN_OR_RETURN(auto svn, json::optional_uint(object, "minimum_guest_svn", UINT32_MAX));
  policy.minimum_guest_svn = static_cast<uint32_t>(svn.value_or(0));
  if (object.contains("minimum_tcb")) {
    const json::Json& tcb = object["minimum_tcb"];
    if (!tcb.is_object()) return Error(ErrorCode::kMalformed, "\"minimum_tcb\" must be an object");
    CLOISTER_TRY(json::reject_unknown_keys(tcb, {"fmc", "bootloader", "tee", "snp", "microcode"},
                                           "minimum_tcb"));
    TcbParts floor;
    auto part = [&](std::string_view key, uint8_t* out) -> Status {
      CLOISTER_ASSIGN_OR_RETURN(auto value, json::optional_uint(tcb, key, 255));
      *out = static_cast<uint8_t>(value.value_or(0));
      return ok_status();
    };
    CLOISTER_TRY(part("fmc", &floor.fmc));
    CLOISTER_TRY(part("bootloader", &floor.bootloader));
    CLOISTER_TRY(part("tee", &floor.tee));
    CLOISTER_TRY(part("snp", &floor.snp));
    CLOISTER_TRY(part("microcode", &floor.microcode));
    policy.minimum_tcb = floor;
  }
  CLOISTER_ASSIGN_OR_RETURN(policy.accepted_measurements,
                            json::optional_hex_list(object, "measurements", 48));
  CLOISTER_ASSIGN_OR_RETURN(auto report_data, json::optional_hex(object, "report_data", 64));
  if (report_data) {
    std::array<uint8_t, 64> expected{};
    std::copy(report_data->begin(), report_data->end(), expected.begin());
    policy.expected_report_data = expected;
  }
  return policy;
}

}  // namespace cloister::attest::snp
