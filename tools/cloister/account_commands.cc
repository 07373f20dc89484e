#include "tools/cloister/account_commands.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "base/encoding.h"
#include "client/account/session_cache.h"
#include "client/keys/recovery_code.h"
#include "client/policy/trust_policy.h"
#include "tlog/release_version.h"
#include "tools/cloister/client_context.h"

namespace cloister::tools {
namespace {

struct InitFlags {
  CommonOptions common;
  std::string host;
  bool passphrase = false;
  bool fido2 = false;
  std::string rp_id = "localhost";
  std::string ca_file;
  std::vector<std::string> log_keys;
  std::vector<std::string> witnesses;
  size_t witness_threshold = 1;
  bool allow_simulated = false;
  int64_t timeout_seconds = 3600;
};

struct UnlockFlags {
  CommonOptions common;
  std::string host;  // a new device: which host
  std::string account;
  bool recovery_code = false;
  bool fido2 = false;
  std::string rp_id = "localhost";
  int64_t timeout_seconds = 3600;
};

struct SlotFlags {
  CommonOptions common;
  std::string kind;
  std::string lookup_id;
  std::string rp_id = "localhost";
};

struct PolicyFlags {
  CommonOptions common;
  std::vector<std::string> log_keys;
  std::vector<std::string> remove_log_keys;
  std::vector<std::string> witnesses;
  std::optional<size_t> witness_threshold;
  std::optional<std::string> allow_simulated;
  std::vector<std::string> platforms;
  std::optional<std::string> require_gpu;
  std::optional<std::string> min_release;
  bool forget_checkpoints = false;
  bool json = false;
};

client::Fido2Options fido2_options(const std::string& rp_id) {
  client::Fido2Options options;
  options.rp_id = rp_id;
  if (const char* pin = std::getenv("CLOISTER_FIDO2_PIN"); pin && *pin) options.pin = pin;
  return options;
}

Result<bool> parse_bool(const std::string& text) {
  if (text == "true" || text == "yes" || text == "1") return true;
  if (text == "false" || text == "no" || text == "0") return false;
  return Error(ErrorCode::kInvalidArgument, "expected true or false, got \"" + text + "\"");
}

// Reads a new passphrase: CLOISTER_PASSPHRASE, or twice at the prompt.
Result<std::string> new_passphrase() {
  if (const char* env = std::getenv("CLOISTER_PASSPHRASE"); env && *env) return std::string(env);
  CLOISTER_ASSIGN_OR_RETURN(std::string first, prompt_secret("New passphrase: "));
  if (::isatty(STDIN_FILENO) == 1) {
    CLOISTER_ASSIGN_OR_RETURN(std::string again, prompt_secret("Repeat it: "));
    if (again != first) return Error(ErrorCode::kInvalidArgument, "the passphrases differ");
  }
  return first;
}

void cache_or_warn(const std::filesystem::path& home, const crypto::SecretBytes& root,
                   int64_t timeout_seconds) {
  Status cached = client::cache_root_secret(home, root, std::chrono::seconds(timeout_seconds));
  if (cached.ok()) {
    std::cerr << "Unlocked for " << timeout_seconds / 60
              << " minutes (kernel keyring; cloister lock ends it).\n";
  } else {
    std::cerr << "Not kept unlocked (" << cached.error().message()
              << "): each command will unlock again.\n";
  }
}

Status apply_policy_keys(client::TrustPolicy& policy, const std::vector<std::string>& log_keys,
                         const std::vector<std::string>& witnesses) {
  for (const std::string& text : log_keys) {
    CLOISTER_ASSIGN_OR_RETURN(tlog::NoteVerifier key, tlog::NoteVerifier::parse(text));
    if (key.type() != tlog::KeyType::kEd25519) {
      return Error(ErrorCode::kInvalidArgument, "--log-key needs an Ed25519 log vkey");
    }
    std::erase_if(policy.log_keys, [&](const auto& k) { return k.vkey() == key.vkey(); });
    policy.log_keys.push_back(key);
  }
  for (const std::string& text : witnesses) {
    CLOISTER_ASSIGN_OR_RETURN(tlog::NoteVerifier key, tlog::NoteVerifier::parse(text));
    if (key.type() != tlog::KeyType::kCosignatureV1) {
      return Error(ErrorCode::kInvalidArgument, "--witness needs a cosignature/v1 witness vkey");
    }
    std::erase_if(policy.witnesses, [&](const auto& k) { return k.vkey() == key.vkey(); });
    policy.witnesses.push_back(key);
  }
  return ok_status();
}

int run_init(const InitFlags& flags) {
  const std::filesystem::path home = client::resolve_home(flags.common.home);
  client::InitOptions options;
  options.host = flags.host;
  options.ca_file = flags.ca_file;
  if (flags.passphrase) {
    auto passphrase = new_passphrase();
    if (!passphrase.ok()) return report_failure(passphrase.error());
    options.passphrase = *passphrase;
  }
  if (flags.fido2) options.fido2 = fido2_options(flags.rp_id);
  // The policy first, so that a bad key fails before the account exists.
  auto policy = client::load_policy(client::policy_path(home));
  if (!policy.ok()) return report_failure(policy.error());
  if (auto applied = apply_policy_keys(*policy, flags.log_keys, flags.witnesses); !applied.ok()) {
    return report_failure(applied.error());
  }
  policy->witness_threshold =
      flags.witnesses.empty() && policy->witnesses.empty() ? 0 : flags.witness_threshold;
  policy->allow_simulated = flags.allow_simulated;
  auto created = client::create_account(home, options);
  if (!created.ok()) return report_failure(created.error());
  if (auto saved = client::save_policy(client::policy_path(home), *policy); !saved.ok()) {
    return report_failure(saved.error());
  }
  std::cout << "Account " << created->file.account << " created at " << created->file.host << "\n"
            << "State directory: " << home.string() << "\n\n"
            << "RECOVERY CODE (shown once; write it down and keep it offline):\n\n    "
            << created->recovery_code << "\n\n"
            << "It unlocks this account on any device: cloister unlock --host "
            << created->file.host << " --recovery-code\n";
  if (policy->log_keys.empty()) {
    std::cout << "\nNo transparency-log key is pinned yet: every enclave will be refused until "
                 "you run\n    cloister policy set --log-key VKEY [--witness VKEY]\n";
  }
  if (policy->allow_simulated) {
    std::cout << "\nWARNING: this policy accepts SIMULATED evidence (development only).\n";
  }
  cache_or_warn(home, created->root, flags.timeout_seconds);
  return kExitOk;
}

int run_unlock(const UnlockFlags& flags) {
  const std::filesystem::path home = client::resolve_home(flags.common.home);
  auto account = client::load_account(home);
  client::AccountFile file;
  if (account.ok()) {
    file = *account;
  } else if (!flags.host.empty()) {
    file.host = flags.host;  // a new device: the account comes from the slot
  } else {
    return report_failure(account.error());
  }
  auto host = client::HostClient::create(file.host, file.ca_file);
  if (!host.ok()) return report_failure(host.error());

  Result<crypto::SecretBytes> root = Error(ErrorCode::kInternal, "no method");
  if (flags.recovery_code) {
    std::string code;
    if (const char* env = std::getenv("CLOISTER_RECOVERY_CODE"); env && *env) {
      code = env;
    } else {
      auto typed = prompt_secret("Recovery code: ");
      if (!typed.ok()) return report_failure(typed.error());
      code = *typed;
    }
    auto unlocked = client::unlock_with_recovery_code(**host, code);
    if (!unlocked.ok()) return report_failure(unlocked.error());
    const std::string id = client::account_id(unlocked->second);
    if (!file.account.empty() && file.account != id) {
      return report_failure(Error(ErrorCode::kRejected, "this recovery code is for account " + id +
                                                            ", not " + file.account));
    }
    file.account = id;
    root = std::move(unlocked->first);
  } else if (flags.fido2) {
    if (file.account.empty() && flags.account.empty()) {
      return report_failure(Error(ErrorCode::kInvalidArgument, "a new device needs --account ID"));
    }
    root = client::unlock_with_fido2(**host, fido2_options(flags.rp_id));
    if (file.account.empty()) file.account = flags.account;
  } else {
    if (file.account.empty()) file.account = flags.account;
    if (file.account.empty()) {
      return report_failure(Error(ErrorCode::kInvalidArgument,
                                  "a passphrase needs the account id on a new device: --account ID "
                                  "(or use --recovery-code)"));
    }
    auto account_key = client::parse_account_id(file.account);
    if (!account_key.ok()) return report_failure(account_key.error());
    std::string passphrase;
    if (const char* env = std::getenv("CLOISTER_PASSPHRASE"); env && *env) {
      passphrase = env;
    } else {
      auto typed = prompt_secret("Passphrase: ");
      if (!typed.ok()) return report_failure(typed.error());
      passphrase = *typed;
    }
    root = client::unlock_with_passphrase(**host, *account_key, passphrase);
  }
  if (!root.ok()) return report_failure(root.error());
  auto keys = client::derive_account_keys(*root);
  if (!keys.ok()) return report_failure(keys.error());
  if (client::account_id(keys->identity.public_key) != file.account) {
    return report_failure(Error(ErrorCode::kRejected, "the slot opened another account's secret"));
  }
  if (!account.ok()) {
    if (auto saved = client::save_account(home, file); !saved.ok())
      return report_failure(saved.error());
    std::cout << "This device now holds account " << file.account << " (" << home.string() << ")\n";
  }
  std::cout << "Unlocked " << file.account << "\n";
  cache_or_warn(home, *root, flags.timeout_seconds);
  return kExitOk;
}

int run_lock(const CommonOptions& common) {
  const std::filesystem::path home = client::resolve_home(common.home);
  std::cout << (client::forget_root_secret(home) ? "Locked.\n" : "Already locked.\n");
  return kExitOk;
}

int run_slots_list(const CommonOptions& common) {
  auto session = open_session(client::resolve_home(common.home));
  if (!session.ok()) return report_failure(session.error());
  auto slots = session->host->list_slots();
  if (!slots.ok()) return report_failure(slots.error());
  for (const client::SlotInfo& slot : *slots) {
    std::cout << hex_encode(slot.lookup_id) << "  " << client::slot_kind_name(slot.kind)
              << "  created " << format_rfc3339(from_unix_seconds(slot.created_at_ms / 1000))
              << "\n";
  }
  return kExitOk;
}

int run_slots_add(const SlotFlags& flags) {
  auto session = open_session(client::resolve_home(flags.common.home));
  if (!session.ok()) return report_failure(session.error());
  auto kind = client::parse_slot_kind(flags.kind == "recovery-code" ? "recovery" : flags.kind);
  if (!kind.ok()) return report_failure(kind.error());
  Result<client::SlotKeys> keys = Error(ErrorCode::kInternal, "no kind");
  std::string recovery_code;
  switch (*kind) {
    case client::SlotKind::kPassphrase: {
      auto passphrase = new_passphrase();
      if (!passphrase.ok()) return report_failure(passphrase.error());
      keys = client::passphrase_slot(*passphrase, session->keys.identity.public_key);
      break;
    }
    case client::SlotKind::kRecoveryCode: {
      auto made = client::new_recovery_slot();
      if (!made.ok()) return report_failure(made.error());
      recovery_code = made->first;
      keys = std::move(made->second);
      break;
    }
    case client::SlotKind::kFido2HmacSecret:
      keys =
          client::fido2_slot(fido2_options(flags.rp_id), session->keys.identity.public_key, true);
      break;
    case client::SlotKind::kPasskeyPrf:
      return report_failure(
          Error(ErrorCode::kInvalidArgument, "passkey slots are added in the web app (WebAuthn)"));
  }
  if (!keys.ok()) return report_failure(keys.error());
  if (auto added = client::add_slot(*session->host, session->root, *kind, *keys); !added.ok()) {
    return report_failure(added.error());
  }
  std::cout << "Added a " << client::slot_kind_name(*kind) << " slot "
            << hex_encode(keys->lookup_id) << "\n";
  if (!recovery_code.empty()) {
    std::cout << "RECOVERY CODE (shown once):\n\n    " << recovery_code << "\n";
  }
  return kExitOk;
}

int run_slots_remove(const SlotFlags& flags) {
  auto session = open_session(client::resolve_home(flags.common.home));
  if (!session.ok()) return report_failure(session.error());
  auto id = hex_decode(flags.lookup_id);
  if (!id.ok() || id->size() != 32) {
    return report_failure(Error(ErrorCode::kInvalidArgument,
                                "SLOT must be a lookup id as cloister slots list prints it"));
  }
  client::LookupId lookup{};
  std::copy(id->begin(), id->end(), lookup.begin());
  if (auto removed = session->host->delete_slot(lookup); !removed.ok()) {
    return report_failure(removed.error());
  }
  std::cout << "Removed slot " << flags.lookup_id << "\n";
  return kExitOk;
}

int run_policy_show(const PolicyFlags& flags) {
  auto policy = client::load_policy(client::policy_path(client::resolve_home(flags.common.home)));
  if (!policy.ok()) return report_failure(policy.error());
  std::cout << (flags.json ? client::policy_to_json(*policy) : client::describe_policy(*policy));
  return kExitOk;
}

int run_policy_set(const PolicyFlags& flags) {
  const std::filesystem::path path = client::policy_path(client::resolve_home(flags.common.home));
  auto policy = client::load_policy(path);
  if (!policy.ok()) return report_failure(policy.error());
  if (auto applied = apply_policy_keys(*policy, flags.log_keys, flags.witnesses); !applied.ok()) {
    return report_failure(applied.error());
  }
  for (const std::string& text : flags.remove_log_keys) {
    std::erase_if(policy->log_keys,
                  [&](const auto& k) { return k.vkey() == text || k.name() == text; });
  }
  if (flags.witness_threshold) policy->witness_threshold = *flags.witness_threshold;
  if (!flags.witnesses.empty() && !flags.witness_threshold && policy->witness_threshold == 0) {
    policy->witness_threshold = 1;
  }
  if (policy->witness_threshold > policy->witnesses.size()) {
    return report_failure(Error(ErrorCode::kInvalidArgument,
                                "the witness threshold is larger than the number of witnesses"));
  }
  if (flags.allow_simulated) {
    auto value = parse_bool(*flags.allow_simulated);
    if (!value.ok()) return report_failure(value.error());
    policy->allow_simulated = *value;
  }
  if (flags.require_gpu) {
    auto value = parse_bool(*flags.require_gpu);
    if (!value.ok()) return report_failure(value.error());
    policy->require_gpu_evidence = *value;
  }
  if (flags.min_release) {
    if (flags.min_release->empty() || *flags.min_release == "none") {
      policy->min_release.reset();
    } else if (auto floor = tlog::parse_release_version(*flags.min_release); !floor.ok()) {
      return report_failure(Error(ErrorCode::kInvalidArgument, floor.error().message()));
    } else {
      policy->min_release = *flags.min_release;
    }
  }
  if (!flags.platforms.empty()) {
    for (const std::string& platform : flags.platforms) {
      if (platform != client::kPlatformSnp && platform != client::kPlatformTdx) {
        return report_failure(Error(ErrorCode::kInvalidArgument, "platforms: sev-snp or tdx"));
      }
    }
    policy->platforms = flags.platforms;
  }
  if (flags.forget_checkpoints) policy->checkpoints.clear();
  if (auto saved = client::save_policy(path, *policy); !saved.ok())
    return report_failure(saved.error());
  std::cout << client::describe_policy(*policy);
  if (policy->allow_simulated) {
    std::cout
        << "WARNING: SIMULATED evidence is accepted (development only); every chat says so.\n";
  }
  return kExitOk;
}

}  // namespace

void register_account_commands(Program& program) {
  CLI::App& app = program.app();

  auto init = std::make_shared<InitFlags>();
  CLI::App* init_cmd = app.add_subcommand(
      "init",
      "Create an account at a host: a random root secret, a recovery code (shown once), "
      "and optional passphrase / FIDO2 key slots");
  add_common_options(init_cmd, init->common);
  init_cmd->add_option("--host", init->host, "The host's URL, e.g. https://cloister.example")
      ->required();
  init_cmd->add_flag("--passphrase", init->passphrase,
                     "Add a passphrase slot (prompted, or CLOISTER_PASSPHRASE)");
  init_cmd->add_flag("--fido2", init->fido2, "Add a FIDO2 security-key slot (hmac-secret)");
  init_cmd->add_option("--rp-id", init->rp_id, "FIDO2 relying-party id (the web app's domain)");
  init_cmd->add_option("--ca-file", init->ca_file, "Trusted roots for the host's TLS (PEM)");
  init_cmd->add_option("--log-key", init->log_keys, "Pin a transparency-log vkey");
  init_cmd->add_option("--witness", init->witnesses, "Pin a witness vkey");
  init_cmd->add_option("--witness-threshold", init->witness_threshold,
                       "Witness cosignatures required (default 1)");
  init_cmd->add_flag("--allow-simulated", init->allow_simulated,
                     "DEVELOPMENT ONLY: accept SIMULATED evidence");
  init_cmd->add_option("--timeout", init->timeout_seconds, "Stay unlocked this many seconds");
  program.on(init_cmd, [init] { return run_init(*init); });

  auto unlock = std::make_shared<UnlockFlags>();
  CLI::App* unlock_cmd = app.add_subcommand(
      "unlock",
      "Unlock the account (passphrase, --recovery-code or --fido2) and keep it unlocked "
      "in the kernel keyring until cloister lock or the timeout. On a new device, give "
      "--host (and --account for a passphrase)");
  add_common_options(unlock_cmd, unlock->common);
  unlock_cmd->add_option("--host", unlock->host, "The host's URL (a new device)");
  unlock_cmd->add_option("--account", unlock->account, "The account id (a new device)");
  unlock_cmd->add_flag("--recovery-code", unlock->recovery_code,
                       "Use the recovery code (prompted, or CLOISTER_RECOVERY_CODE)");
  unlock_cmd->add_flag("--fido2", unlock->fido2, "Use a FIDO2 security key");
  unlock_cmd->add_option("--rp-id", unlock->rp_id, "FIDO2 relying-party id");
  unlock_cmd->add_option("--timeout", unlock->timeout_seconds, "Stay unlocked this many seconds");
  program.on(unlock_cmd, [unlock] { return run_unlock(*unlock); });

  auto lock = std::make_shared<CommonOptions>();
  CLI::App* lock_cmd = app.add_subcommand("lock", "Forget the unlocked secret now");
  add_common_options(lock_cmd, *lock);
  program.on(lock_cmd, [lock] { return run_lock(*lock); });

  CLI::App* slots = app.add_subcommand("slots", "The account's key slots at the host");
  slots->require_subcommand(1);
  auto slot_flags = std::make_shared<SlotFlags>();
  CLI::App* list = slots->add_subcommand("list", "List the key slots");
  add_common_options(list, slot_flags->common);
  program.on(list, [slot_flags] { return run_slots_list(slot_flags->common); });
  CLI::App* add = slots->add_subcommand("add", "Add a slot: passphrase, recovery-code or fido2");
  add_common_options(add, slot_flags->common);
  add->add_option("KIND", slot_flags->kind, "passphrase, recovery-code or fido2")->required();
  add->add_option("--rp-id", slot_flags->rp_id, "FIDO2 relying-party id");
  program.on(add, [slot_flags] { return run_slots_add(*slot_flags); });
  CLI::App* remove = slots->add_subcommand("remove", "Remove a slot (never the last one)");
  add_common_options(remove, slot_flags->common);
  remove->add_option("SLOT", slot_flags->lookup_id, "The slot's id, as slots list prints it")
      ->required();
  program.on(remove, [slot_flags] { return run_slots_remove(*slot_flags); });

  CLI::App* policy = app.add_subcommand("policy", "The trust policy");
  policy->require_subcommand(1);
  auto policy_flags = std::make_shared<PolicyFlags>();
  CLI::App* show = policy->add_subcommand("show", "Print the trust policy");
  add_common_options(show, policy_flags->common);
  show->add_flag("--json", policy_flags->json, "Print the policy file itself");
  program.on(show, [policy_flags] { return run_policy_show(*policy_flags); });
  CLI::App* set = policy->add_subcommand("set", "Change the trust policy");
  add_common_options(set, policy_flags->common);
  set->add_option("--log-key", policy_flags->log_keys, "Pin a transparency-log vkey");
  set->add_option("--remove-log-key", policy_flags->remove_log_keys, "Unpin a log (vkey or name)");
  set->add_option("--witness", policy_flags->witnesses, "Pin a witness vkey");
  set->add_option("--witness-threshold", policy_flags->witness_threshold,
                  "Witness cosignatures required");
  set->add_option("--allow-simulated", policy_flags->allow_simulated,
                  "true: DEVELOPMENT ONLY, accept SIMULATED evidence (loudly)");
  set->add_option("--platform", policy_flags->platforms, "Accepted platforms: sev-snp, tdx");
  set->add_option("--require-gpu-evidence", policy_flags->require_gpu, "true or false");
  set->add_option("--min-release", policy_flags->min_release,
                  "Refuse logged releases older than this semantic version (none: any)");
  set->add_flag("--forget-checkpoints", policy_flags->forget_checkpoints,
                "Forget the stored checkpoints (after a log was replaced on purpose)");
  program.on(set, [policy_flags] { return run_policy_set(*policy_flags); });
}

}  // namespace cloister::tools
