// init, append, checkpoint: creating and growing a log directory.
#include <iostream>

#include "base/files.h"
#include "tlog/log_directory.h"
#include "tlog/manifest.h"
#include "tools/cloister-log/commands.h"

namespace cloister::tools::log {
namespace {

struct InitOptions {
  std::string dir = ".";
  std::string origin;
  std::string key_out;
};

int run_init(const Program& program, const InitOptions& options) {
  auto signer = tlog::NoteSigner::generate(options.origin, tlog::KeyType::kEd25519);
  if (!signer.ok()) return program.fail(signer.error());
  if (auto written = write_key_file(options.key_out, signer->encode().span()); !written.ok()) {
    return program.fail(written.error());
  }
  auto log = tlog::LogDirectory::create(options.dir, *signer);
  if (!log.ok()) return program.fail(log.error());
  std::cout << signer->verifier().vkey() << "\n";
  return kExitOk;
}

struct AppendOptions {
  std::string dir = ".";
  std::string key;
  std::vector<std::string> manifests;
};

int run_append(const Program& program, const AppendOptions& options) {
  auto signer = read_key_file(options.key);
  if (!signer.ok()) return program.fail(signer.error());
  std::vector<Bytes> entries;
  for (const auto& path : options.manifests) {
    auto bytes = read_file(path, tlog::kMaxManifestSize);
    if (!bytes.ok()) return program.fail(bytes.error());
    // Only canonical, well-formed manifests enter the log.
    if (auto manifest = tlog::parse_manifest(*bytes); !manifest.ok()) {
      return program.fail(manifest.error().with_context(path));
    }
    entries.push_back(std::move(bytes).value());
  }
  auto log = tlog::LogDirectory::open(options.dir);
  if (!log.ok()) return program.fail(log.error());
  auto appended = log->append(entries, *signer);
  if (!appended.ok()) return program.fail(appended.error());
  for (size_t i = 0; i < entries.size(); ++i) std::cout << appended->first_index + i << "\n";
  return kExitOk;
}

struct CheckpointOptions {
  std::string dir = ".";
  PolicyOptions policy;
  bool verify = false;
};

int run_checkpoint(const Program& program, const CheckpointOptions& options) {
  auto log = tlog::LogDirectory::open(options.dir);
  if (!log.ok()) return program.fail(log.error());
  auto note = log->read_checkpoint();
  if (!note.ok()) return program.fail(note.error());
  if (!options.policy.vkey.empty()) {
    auto policy = options.policy.build();
    if (!policy.ok()) return program.fail(policy.error());
    auto verified = tlog::verify_checkpoint(*note, *policy);
    if (!verified.ok()) return report_failure(program, verified.error());
  }
  std::cout << *note;
  return kExitOk;
}

int run_vkey(const Program& program, const std::string& key) {
  auto signer = read_key_file(key);
  if (!signer.ok()) return program.fail(signer.error());
  std::cout << signer->verifier().vkey() << "\n";
  return kExitOk;
}

}  // namespace

void add_log_commands(Program& program) {
  auto& app = program.app();

  auto init = std::make_shared<InitOptions>();
  auto* init_cmd = app.add_subcommand("init", "Create an empty log and its signing key");
  init_cmd->add_option("--dir", init->dir, "Log directory (created if missing)")
      ->capture_default_str();
  init_cmd->add_option("--origin", init->origin, "Log origin, e.g. example.com/cloister-releases")
      ->required();
  init_cmd->add_option("--key-out", init->key_out, "Where to write the private key (mode 0600)")
      ->required();
  init_cmd->footer("Prints the log's verifier key (vkey), which clients and witnesses pin.");
  program.on(init_cmd, [&program, init]() { return run_init(program, *init); });

  auto append = std::make_shared<AppendOptions>();
  auto* append_cmd = app.add_subcommand("append", "Append release manifests; print their indexes");
  append_cmd->add_option("--dir", append->dir, "Log directory")->capture_default_str();
  append_cmd->add_option("--key", append->key, "The log's private key file")->required();
  append_cmd->add_option("manifests", append->manifests, "Canonical manifest files")->required();
  append_cmd->footer("Writes tiles, entry bundles and a new checkpoint, under a lock.");
  program.on(append_cmd, [&program, append]() { return run_append(program, *append); });

  auto checkpoint = std::make_shared<CheckpointOptions>();
  auto* checkpoint_cmd = app.add_subcommand("checkpoint", "Print the current signed checkpoint");
  checkpoint_cmd->add_option("--dir", checkpoint->dir, "Log directory")->capture_default_str();
  checkpoint_cmd->add_option("--vkey", checkpoint->policy.vkey, "Verify under this log key first");
  checkpoint_cmd
      ->add_option("--witness-vkey", checkpoint->policy.witness_vkeys,
                   "A witness key to require (repeatable)")
      ->allow_extra_args(false);
  checkpoint_cmd->add_option("--threshold", checkpoint->policy.threshold,
                             "Witness cosignatures required (default: all listed)");
  auto key = std::make_shared<std::string>();
  auto* vkey_cmd =
      app.add_subcommand("vkey", "Print the verifier key of a log or witness key file");
  vkey_cmd->add_option("--key", *key, "Private key file")->required();
  program.on(vkey_cmd, [&program, key]() { return run_vkey(program, *key); });

  program.on(checkpoint_cmd,
             [&program, checkpoint]() { return run_checkpoint(program, *checkpoint); });
}

}  // namespace cloister::tools::log
