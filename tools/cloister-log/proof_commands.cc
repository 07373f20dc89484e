// prove inclusion|consistency|release and verify inclusion|consistency|release.
#include <iostream>

#include "base/encoding.h"
#include "base/files.h"
#include "tlog/log_directory.h"
#include "tools/cloister-log/commands.h"

namespace cloister::tools::log {
namespace {

// The current checkpoint of the log in `dir`, parsed but not verified: the
// operator proves from their own log.
struct CurrentLog {
  tlog::LogDirectory directory;
  std::string note;
  tlog::Checkpoint checkpoint;
};

Result<CurrentLog> open_current(const std::string& dir) {
  CLOISTER_ASSIGN_OR_RETURN(tlog::LogDirectory log, tlog::LogDirectory::open(dir));
  CLOISTER_ASSIGN_OR_RETURN(std::string note, log.read_checkpoint());
  CLOISTER_ASSIGN_OR_RETURN(tlog::Note parsed, tlog::parse_note(note));
  CLOISTER_ASSIGN_OR_RETURN(tlog::Checkpoint checkpoint, tlog::parse_checkpoint_text(parsed.text));
  return CurrentLog{std::move(log), std::move(note), std::move(checkpoint)};
}

struct ProveOptions {
  std::string dir = ".";
  uint64_t index = 0;
  std::optional<uint64_t> size;
  uint64_t from = 0;
  uint64_t to = 0;
  std::string out;
};

int run_prove_inclusion(const Program& program, const ProveOptions& options) {
  auto log = open_current(options.dir);
  if (!log.ok()) return program.fail(log.error());
  uint64_t size = options.size.value_or(log->checkpoint.size);
  if (size > log->checkpoint.size) {
    return program.fail(Error(ErrorCode::kInvalidArgument, "--size is beyond the checkpoint"));
  }
  auto tiles = log->directory.tiles();
  tlog::TiledHashReader hashes(tiles, size);
  auto proof = tlog::inclusion_proof(hashes, options.index, size);
  if (!proof.ok()) return program.fail(proof.error());
  if (options.size) {
    std::cout << tlog::format_hash_lines(*proof);
  } else {
    std::cout << tlog::format_tlog_proof({std::nullopt, options.index, *proof, log->note});
  }
  return kExitOk;
}

int run_prove_consistency(const Program& program, const ProveOptions& options) {
  auto log = open_current(options.dir);
  if (!log.ok()) return program.fail(log.error());
  if (options.to > log->checkpoint.size) {
    return program.fail(Error(ErrorCode::kInvalidArgument, "--to is beyond the checkpoint"));
  }
  auto tiles = log->directory.tiles();
  auto proof = tlog::consistency_from_tiles(tiles)(options.from, options.to);
  if (!proof.ok()) return program.fail(proof.error());
  std::cout << tlog::format_hash_lines(*proof);
  return kExitOk;
}

int run_prove_release(const Program& program, const ProveOptions& options) {
  auto log = open_current(options.dir);
  if (!log.ok()) return program.fail(log.error());
  auto tiles = log->directory.tiles();
  auto proof = tlog::build_release_proof(tiles, log->note, options.index);
  if (!proof.ok()) return program.fail(proof.error());
  auto encoded = tlog::encode_release_proof(*proof);
  if (!encoded.ok()) return program.fail(encoded.error());
  if (auto written = write_file_atomically(options.out, *encoded); !written.ok()) {
    return program.fail(written.error());
  }
  return kExitOk;
}

struct VerifyOptions {
  PolicyOptions policy;
  std::string proof;
  std::string entry;
  std::string old_checkpoint;
  std::string new_checkpoint;
  std::string dir;
  std::string stored;
  bool update = false;
};

int run_verify_inclusion(const Program& program, const VerifyOptions& options) {
  auto policy = options.policy.build();
  if (!policy.ok()) return program.fail(policy.error());
  auto text = read_input(options.proof);
  if (!text.ok()) return program.fail(text.error());
  auto proof = tlog::parse_tlog_proof(*text);
  if (!proof.ok()) return program.fail(proof.error());
  auto entry = read_file(options.entry, tlog::kMaxEntrySize);
  if (!entry.ok()) return program.fail(entry.error());
  auto checkpoint = tlog::verify_checkpoint(proof->checkpoint, *policy);
  if (!checkpoint.ok()) return report_failure(program, checkpoint.error());
  auto included =
      tlog::verify_inclusion(tlog::leaf_hash(*entry), proof->index, checkpoint->checkpoint.size,
                             proof->inclusion, checkpoint->checkpoint.root);
  if (!included.ok()) return report_failure(program, included.error());
  std::cout << "OK: entry " << proof->index << " is in " << checkpoint->checkpoint.origin
            << " at size " << checkpoint->checkpoint.size << " (" << checkpoint->cosignatures
            << " witness cosignatures)\n";
  return kExitOk;
}

int run_verify_consistency(const Program& program, const VerifyOptions& options) {
  auto policy = options.policy.build();
  if (!policy.ok()) return program.fail(policy.error());
  std::vector<tlog::Checkpoint> checkpoints;
  for (const std::string& path : {options.old_checkpoint, options.new_checkpoint}) {
    auto note = read_input(path);
    if (!note.ok()) return program.fail(note.error());
    auto verified = tlog::verify_checkpoint(*note, *policy);
    if (!verified.ok()) return report_failure(program, verified.error().with_context(path));
    checkpoints.push_back(verified->checkpoint);
  }
  const tlog::Checkpoint& older = checkpoints[0];
  const tlog::Checkpoint& newer = checkpoints[1];
  Result<std::vector<tlog::Hash>> proof = std::vector<tlog::Hash>();
  if (!options.proof.empty()) {
    auto text = read_input(options.proof);
    if (!text.ok()) return program.fail(text.error());
    proof = tlog::parse_hash_lines(*text);
  } else if (!options.dir.empty()) {
    tlog::DirectoryTileReader tiles(options.dir);
    proof = tlog::consistency_from_tiles(tiles)(older.size, newer.size);
  } else {
    return program.fail(Error(ErrorCode::kInvalidArgument, "give --proof or --tiles"));
  }
  if (!proof.ok()) return report_failure(program, proof.error());
  auto consistent =
      tlog::verify_consistency(older.size, newer.size, older.root, newer.root, *proof);
  if (!consistent.ok()) return report_failure(program, consistent.error());
  std::cout << "OK: size " << older.size << " is a prefix of size " << newer.size << "\n";
  return kExitOk;
}

int run_verify_release(const Program& program, const VerifyOptions& options) {
  auto policy = options.policy.build();
  if (!policy.ok()) return program.fail(policy.error());
  auto encoded = read_file(options.proof, 1 << 20);
  if (!encoded.ok()) return program.fail(encoded.error());
  auto proof = tlog::parse_release_proof(*encoded);
  if (!proof.ok()) return program.fail(proof.error());
  std::optional<std::string> stored;
  if (!options.stored.empty() && std::filesystem::exists(options.stored)) {
    auto text = read_text_file(options.stored, tlog::kMaxNoteSize);
    if (!text.ok()) return program.fail(text.error());
    stored = std::move(text).value();
  }
  tlog::DirectoryTileReader tiles(options.dir.empty() ? "." : options.dir);
  tlog::ConsistencyProofSource source;
  if (!options.dir.empty()) source = tlog::consistency_from_tiles(tiles);
  auto verified = tlog::verify_release_proof(
      *proof, *policy, stored ? std::optional<std::string_view>(*stored) : std::nullopt, source);
  if (!verified.ok()) return report_failure(program, verified.error());
  if (options.update && !options.stored.empty() && verified->update.advanced) {
    auto written =
        write_file_atomically(options.stored, as_bytes(verified->update.checkpoint_to_store));
    if (!written.ok()) return program.fail(written.error());
  }
  std::cout << "OK: release " << verified->manifest.version << " is entry " << verified->index
            << " of " << verified->checkpoint.origin << " at size " << verified->checkpoint.size
            << "\nmanifest sha256 " << hex_encode(verified->manifest_digest) << "\n"
            << (verified->update.advanced ? "stored checkpoint advanced\n" : "");
  return kExitOk;
}

int run_entry(const Program& program, const ProveOptions& prove, const VerifyOptions& verify) {
  auto policy = verify.policy.build();
  if (!policy.ok()) return program.fail(policy.error());
  auto log = open_current(prove.dir);
  if (!log.ok()) return program.fail(log.error());
  auto checkpoint = tlog::verify_checkpoint(log->note, *policy);
  if (!checkpoint.ok()) return report_failure(program, checkpoint.error());
  // Building the release proof reads the entry and checks its inclusion.
  auto tiles = log->directory.tiles();
  auto proof = tlog::build_release_proof(tiles, log->note, prove.index);
  if (!proof.ok()) return report_failure(program, proof.error());
  std::cout << to_string(proof->manifest);
  return kExitOk;
}

}  // namespace

void add_proof_commands(Program& program) {
  auto& app = program.app();
  auto prove = std::make_shared<ProveOptions>();
  auto* prove_cmd = app.add_subcommand("prove", "Compute proofs from the log's tiles");
  prove_cmd->require_subcommand(1);

  auto* inclusion = prove_cmd->add_subcommand(
      "inclusion",
      "Inclusion proof: a c2sp.org/tlog-proof for the current checkpoint, or with "
      "--size, bare proof hashes for that tree size");
  inclusion->add_option("--dir", prove->dir, "Log directory")->capture_default_str();
  inclusion->add_option("--index", prove->index, "Entry index")->required();
  inclusion->add_option("--size", prove->size, "Tree size (default: the checkpoint's)");
  program.on(inclusion, [&program, prove]() { return run_prove_inclusion(program, *prove); });

  auto* consistency = prove_cmd->add_subcommand("consistency", "Consistency proof hashes");
  consistency->add_option("--dir", prove->dir, "Log directory")->capture_default_str();
  consistency->add_option("--from", prove->from, "Old tree size")->required();
  consistency->add_option("--to", prove->to, "New tree size")->required();
  program.on(consistency, [&program, prove]() { return run_prove_consistency(program, *prove); });

  auto* release = prove_cmd->add_subcommand(
      "release",
      "Write the release proof an enclave ships (manifest, inclusion proof, checkpoint)");
  release->add_option("--dir", prove->dir, "Log directory")->capture_default_str();
  release->add_option("--index", prove->index, "The manifest's index")->required();
  release->add_option("--out", prove->out, "Output file")->required();
  program.on(release, [&program, prove]() { return run_prove_release(program, *prove); });

  auto verify = std::make_shared<VerifyOptions>();
  auto* entry = app.add_subcommand(
      "entry", "Print a log entry (a manifest) after checking the checkpoint and its inclusion");
  entry->add_option("--dir", prove->dir, "Log directory, or a mirror of one")
      ->capture_default_str();
  entry->add_option("--index", prove->index, "Entry index")->required();
  verify->policy.add_to(entry);
  program.on(entry, [&program, prove, verify]() { return run_entry(program, *prove, *verify); });

  auto* verify_cmd = app.add_subcommand("verify", "Verify proofs as an auditor or client would");
  verify_cmd->require_subcommand(1);

  auto* verify_inclusion =
      verify_cmd->add_subcommand("inclusion", "Verify a c2sp.org/tlog-proof for an entry file");
  verify->policy.add_to(verify_inclusion);
  verify_inclusion->add_option("--proof", verify->proof, "tlog-proof file, or - for stdin")
      ->required();
  verify_inclusion->add_option("--entry", verify->entry, "The logged entry (manifest) file")
      ->required();
  program.on(verify_inclusion,
             [&program, verify]() { return run_verify_inclusion(program, *verify); });

  auto* verify_consistency = verify_cmd->add_subcommand(
      "consistency", "Verify that one signed checkpoint extends another");
  verify->policy.add_to(verify_consistency);
  verify_consistency->add_option("--old", verify->old_checkpoint, "Older checkpoint file")
      ->required();
  verify_consistency->add_option("--new", verify->new_checkpoint, "Newer checkpoint file")
      ->required();
  verify_consistency->add_option("--proof", verify->proof,
                                 "Proof hash lines (from prove consistency)");
  verify_consistency->add_option("--tiles", verify->dir,
                                 "Or compute the proof from this log directory");
  program.on(verify_consistency,
             [&program, verify]() { return run_verify_consistency(program, *verify); });

  auto* verify_release = verify_cmd->add_subcommand(
      "release", "Verify a release proof as a client does, against a stored checkpoint");
  verify->policy.add_to(verify_release);
  verify_release->add_option("--proof", verify->proof, "Release proof file")->required();
  verify_release->add_option("--stored", verify->stored,
                             "The newest checkpoint seen so far (file)");
  verify_release->add_flag("--update", verify->update, "Write the newer checkpoint to --stored");
  verify_release->add_option("--tiles", verify->dir,
                             "Log directory to compute consistency proofs from");
  verify_release->add_flag("--accept-older", verify->policy.accept_older,
                           "Accept a checkpoint older than --stored if it is a prefix of it");
  program.on(verify_release, [&program, verify]() { return run_verify_release(program, *verify); });
}

}  // namespace cloister::tools::log
