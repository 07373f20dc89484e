#include "client/policy/trust_policy.h"

#include <algorithm>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/files.h"
#include "tlog/file_lock.h"
#include "tlog/release_version.h"

namespace cloister::client {
namespace {

using nlohmann::json;

Error malformed(std::string message) {
  return Error(ErrorCode::kMalformed, "trust policy: " + std::move(message));
}

Result<std::vector<tlog::NoteVerifier>> parse_keys(const json& value, std::string_view field,
                                                   tlog::KeyType type) {
  if (!value.is_array()) return malformed(std::string(field) + " must be an array of vkeys");
  std::vector<tlog::NoteVerifier> keys;
  for (const json& item : value) {
    if (!item.is_string()) return malformed(std::string(field) + " must hold strings");
    Result<tlog::NoteVerifier> key = tlog::NoteVerifier::parse(item.get<std::string>());
    if (!key.ok()) return malformed(std::string(field) + ": " + key.error().message());
    if (key->type() != type) {
      return malformed(std::string(field) + ": key " + key->name() + " has the wrong type");
    }
    keys.push_back(std::move(*key));
  }
  return keys;
}

Result<uint8_t> parse_svn(const json& object, const char* name, bool required) {
  if (!object.contains(name)) {
    if (required) return malformed(std::string("min_snp_tcb.") + name + " is missing");
    return uint8_t{0};
  }
  const json& value = object.at(name);
  if (!value.is_number_unsigned() || value.get<uint64_t>() > 255) {
    return malformed(std::string("min_snp_tcb.") + name + " must be an integer 0..255");
  }
  return static_cast<uint8_t>(value.get<uint64_t>());
}

Result<tlog::SnpTcb> parse_snp_tcb(const json& value) {
  if (!value.is_object()) return malformed("min_snp_tcb must be an object or null");
  static const std::set<std::string> kKnown{"bootloader", "tee", "snp", "microcode", "fmc"};
  for (const auto& [key, unused] : value.items()) {
    if (!kKnown.contains(key)) return malformed("unknown key min_snp_tcb." + key);
  }
  tlog::SnpTcb tcb;
  CLOISTER_ASSIGN_OR_RETURN(tcb.bootloader, parse_svn(value, "bootloader", true));
  CLOISTER_ASSIGN_OR_RETURN(tcb.tee, parse_svn(value, "tee", true));
  CLOISTER_ASSIGN_OR_RETURN(tcb.snp, parse_svn(value, "snp", true));
  CLOISTER_ASSIGN_OR_RETURN(tcb.microcode, parse_svn(value, "microcode", true));
  if (value.contains("fmc")) {
    CLOISTER_ASSIGN_OR_RETURN(tcb.fmc, parse_svn(value, "fmc", true));
  }
  return tcb;
}

json snp_tcb_json(const tlog::SnpTcb& tcb) {
  json out{{"bootloader", tcb.bootloader},
           {"tee", tcb.tee},
           {"snp", tcb.snp},
           {"microcode", tcb.microcode}};
  if (tcb.fmc) out["fmc"] = *tcb.fmc;
  return out;
}

json vkeys_json(const std::vector<tlog::NoteVerifier>& keys) {
  json out = json::array();
  for (const tlog::NoteVerifier& key : keys) out.push_back(key.vkey());
  return out;
}

}  // namespace

bool TrustPolicy::accepts_platform(std::string_view platform) const {
  return std::find(platforms.begin(), platforms.end(), platform) != platforms.end();
}

Result<tlog::LogTrustPolicy> TrustPolicy::log_policy(std::string_view origin) const {
  for (const tlog::NoteVerifier& key : log_keys) {
    if (key.name() != origin) continue;
    tlog::LogTrustPolicy policy{key, witnesses, witness_threshold, false};
    return policy;
  }
  if (log_keys.empty()) {
    return Error(ErrorCode::kRejected,
                 std::string(tlog::kReasonWrongLog) +
                     ": no transparency-log key is pinned (cloister policy set --log-key VKEY)");
  }
  return Error(ErrorCode::kRejected, std::string(tlog::kReasonWrongLog) + ": the log \"" +
                                         std::string(origin) + "\" is not pinned");
}

std::optional<std::string_view> TrustPolicy::stored_checkpoint(std::string_view origin) const {
  auto found = checkpoints.find(std::string(origin));
  if (found == checkpoints.end()) return std::nullopt;
  return std::string_view(found->second);
}

std::string policy_to_json(const TrustPolicy& policy) {
  json out{
      {"format", kPolicyFormat},
      {"log_keys", vkeys_json(policy.log_keys)},
      {"witnesses", vkeys_json(policy.witnesses)},
      {"witness_threshold", policy.witness_threshold},
      {"platforms", policy.platforms},
      {"allow_simulated", policy.allow_simulated},
      {"min_snp_tcb", policy.min_snp_tcb ? snp_tcb_json(*policy.min_snp_tcb) : json(nullptr)},
      {"min_tdx_tee_tcb_svn",
       policy.min_tdx_tee_tcb_svn ? json(hex_encode(*policy.min_tdx_tee_tcb_svn)) : json(nullptr)},
      {"require_gpu_evidence", policy.require_gpu_evidence},
      {"min_release", policy.min_release ? json(*policy.min_release) : json(nullptr)},
      {"checkpoints", policy.checkpoints}};
  return out.dump(2) + "\n";
}

Result<TrustPolicy> parse_policy_json(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return malformed("not a JSON object");
  static const std::set<std::string> kKnown{"format",      "log_keys",
                                            "witnesses",   "witness_threshold",
                                            "platforms",   "allow_simulated",
                                            "min_snp_tcb", "min_tdx_tee_tcb_svn",
                                            "checkpoints", "require_gpu_evidence",
                                            "min_release"};
  for (const auto& [key, unused] : doc.items()) {
    if (!kKnown.contains(key)) return malformed("unknown key " + key);
  }
  if (!doc.contains("format") || doc["format"] != kPolicyFormat) {
    return malformed("format must be \"" + std::string(kPolicyFormat) + "\"");
  }
  TrustPolicy policy;
  if (doc.contains("log_keys")) {
    CLOISTER_ASSIGN_OR_RETURN(policy.log_keys,
                              parse_keys(doc["log_keys"], "log_keys", tlog::KeyType::kEd25519));
  }
  if (doc.contains("witnesses")) {
    CLOISTER_ASSIGN_OR_RETURN(
        policy.witnesses, parse_keys(doc["witnesses"], "witnesses", tlog::KeyType::kCosignatureV1));
  }
  if (doc.contains("witness_threshold")) {
    const json& value = doc["witness_threshold"];
    if (!value.is_number_unsigned()) return malformed("witness_threshold must be an integer");
    policy.witness_threshold = value.get<size_t>();
  }
  if (policy.witness_threshold > policy.witnesses.size() && !policy.witnesses.empty()) {
    return malformed("witness_threshold is larger than the number of witnesses");
  }
  if (doc.contains("platforms")) {
    const json& value = doc["platforms"];
    if (!value.is_array()) return malformed("platforms must be an array");
    policy.platforms.clear();
    for (const json& item : value) {
      if (!item.is_string() || (item != kPlatformSnp && item != kPlatformTdx)) {
        return malformed("platforms may hold only \"sev-snp\" and \"tdx\"");
      }
      policy.platforms.push_back(item.get<std::string>());
    }
  }
  for (const char* flag : {"allow_simulated", "require_gpu_evidence"}) {
    if (!doc.contains(flag)) continue;
    if (!doc[flag].is_boolean()) return malformed(std::string(flag) + " must be true or false");
  }
  policy.allow_simulated = doc.value("allow_simulated", false);
  policy.require_gpu_evidence = doc.value("require_gpu_evidence", false);
  if (doc.contains("min_snp_tcb") && !doc["min_snp_tcb"].is_null()) {
    CLOISTER_ASSIGN_OR_RETURN(policy.min_snp_tcb, parse_snp_tcb(doc["min_snp_tcb"]));
  }
  if (doc.contains("min_tdx_tee_tcb_svn") && !doc["min_tdx_tee_tcb_svn"].is_null()) {
    const json& value = doc["min_tdx_tee_tcb_svn"];
    Result<Bytes> svn = value.is_string() ? hex_decode(value.get<std::string>())
                                          : Result<Bytes>(Error(ErrorCode::kMalformed, "x"));
    if (!svn.ok() || svn->size() != 16) {
      return malformed("min_tdx_tee_tcb_svn must be 16 bytes of hex");
    }
    std::array<uint8_t, 16> floor{};
    std::copy(svn->begin(), svn->end(), floor.begin());
    policy.min_tdx_tee_tcb_svn = floor;
  }
  if (doc.contains("min_release") && !doc["min_release"].is_null()) {
    const json& value = doc["min_release"];
    if (!value.is_string()) return malformed("min_release must be a semantic version");
    Result<tlog::ReleaseVersion> floor = tlog::parse_release_version(value.get<std::string>());
    if (!floor.ok()) return malformed("min_release: " + floor.error().message());
    policy.min_release = value.get<std::string>();
  }
  if (doc.contains("checkpoints")) {
    const json& value = doc["checkpoints"];
    if (!value.is_object()) return malformed("checkpoints must be an object");
    for (const auto& [origin, note] : value.items()) {
      if (!note.is_string()) return malformed("checkpoints." + origin + " must be a string");
      policy.checkpoints[origin] = note.get<std::string>();
    }
  }
  return policy;
}

Result<TrustPolicy> load_policy(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return TrustPolicy{};
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_text_file(path, 1 << 20));
  Result<TrustPolicy> policy = parse_policy_json(text);
  if (!policy.ok()) return policy.error().with_context(path.string());
  return policy;
}

Status save_policy(const std::filesystem::path& path, const TrustPolicy& policy) {
  return write_file_atomically(path, as_bytes(policy_to_json(policy)), 0600);
}

Status record_checkpoint(const std::filesystem::path& path, const std::string& origin,
                         const std::string& note) {
  std::filesystem::path lock_path = path;
  lock_path += ".lock";
  CLOISTER_ASSIGN_OR_RETURN(tlog::FileLock lock, tlog::FileLock::acquire(lock_path));
  CLOISTER_ASSIGN_OR_RETURN(TrustPolicy policy, load_policy(path));
  policy.checkpoints[origin] = note;
  return save_policy(path, policy);
}

std::string describe_policy(const TrustPolicy& policy) {
  std::ostringstream out;
  out << "log keys:            ";
  if (policy.log_keys.empty()) out << "(none pinned: every enclave is refused)";
  for (size_t i = 0; i < policy.log_keys.size(); ++i) {
    out << (i ? "\n                     " : "") << policy.log_keys[i].vkey();
  }
  out << "\nwitnesses:           ";
  if (policy.witnesses.empty()) out << "(none)";
  for (size_t i = 0; i < policy.witnesses.size(); ++i) {
    out << (i ? "\n                     " : "") << policy.witnesses[i].vkey();
  }
  out << "\nwitness threshold:   " << policy.witness_threshold;
  out << "\nplatforms:           ";
  for (size_t i = 0; i < policy.platforms.size(); ++i) {
    out << (i ? ", " : "") << policy.platforms[i];
  }
  out << "\nallow simulated:     "
      << (policy.allow_simulated ? "TRUE (development only: SIMULATED evidence is accepted)"
                                 : "false");
  out << "\nmin SNP TCB:         ";
  if (policy.min_snp_tcb) {
    out << "bl=" << int{policy.min_snp_tcb->bootloader} << " tee=" << int{policy.min_snp_tcb->tee}
        << " snp=" << int{policy.min_snp_tcb->snp}
        << " ucode=" << int{policy.min_snp_tcb->microcode};
    if (policy.min_snp_tcb->fmc) out << " fmc=" << int{*policy.min_snp_tcb->fmc};
  } else {
    out << "(the release manifest's)";
  }
  out << "\nmin TDX TEE_TCB_SVN: "
      << (policy.min_tdx_tee_tcb_svn ? hex_encode(*policy.min_tdx_tee_tcb_svn)
                                     : std::string("(the release manifest's)"));
  out << "\nrequire GPU evidence: " << (policy.require_gpu_evidence ? "true" : "false");
  out << "\nmin release:         " << policy.min_release.value_or("(any logged release)");
  for (const auto& [origin, note] : policy.checkpoints) {
    auto lines = note.substr(0, note.find("\n\n"));
    std::replace(lines.begin(), lines.end(), '\n', ' ');
    out << "\nnewest checkpoint:   " << lines;
  }
  out << "\n";
  return out.str();
}

}  // namespace cloister::client
