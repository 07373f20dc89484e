// witness init|cosign|status (the witness's side) and witness request|attach
// (the log operator's side of c2sp.org/tlog-witness add-checkpoint).
#include <iostream>

#include "tlog/log_directory.h"
#include "tlog/witness.h"
#include "tools/cloister-log/commands.h"

namespace cloister::tools::log {
namespace {

struct WitnessOptions {
  std::string name;
  std::string key;
  std::string key_out;
  std::string state;
  std::vector<std::string> log_vkeys;
  std::string origin;
  std::string request = "-";
  std::string dir = ".";
  uint64_t old_size = 0;
  std::vector<std::string> witness_vkeys;
  std::string signatures = "-";
};

int run_init(const Program& program, const WitnessOptions& options) {
  auto signer = tlog::NoteSigner::generate(options.name, tlog::KeyType::kCosignatureV1);
  if (!signer.ok()) return program.fail(signer.error());
  if (auto written = write_key_file(options.key_out, signer->encode().span()); !written.ok()) {
    return program.fail(written.error());
  }
  std::cout << signer->verifier().vkey() << "\n";
  return kExitOk;
}

Result<tlog::Witness> open_witness(const WitnessOptions& options) {
  CLOISTER_ASSIGN_OR_RETURN(tlog::NoteSigner signer, read_key_file(options.key));
  std::vector<tlog::NoteVerifier> logs;
  for (const auto& text : options.log_vkeys) {
    auto key = tlog::NoteVerifier::parse(text);
    if (!key.ok()) return key.error().with_context("--log-vkey");
    logs.push_back(std::move(key).value());
  }
  return tlog::Witness::create(std::move(signer), std::move(logs), options.state, system_clock());
}

int run_cosign(const Program& program, const WitnessOptions& options) {
  auto witness = open_witness(options);
  if (!witness.ok()) return program.fail(witness.error());
  auto request = read_input(options.request);
  if (!request.ok()) return program.fail(request.error());
  auto cosignature = witness->add_checkpoint(*request);
  if (!cosignature.ok()) {
    std::cerr << program.name() << ": HTTP " << tlog::witness_http_status(cosignature.error())
              << " equivalent\n";
    return report_failure(program, cosignature.error());
  }
  std::cout << *cosignature;
  return kExitOk;
}

int run_status(const Program& program, const WitnessOptions& options) {
  auto state = tlog::read_witness_state(options.state, options.origin);
  if (!state.ok()) return program.fail(state.error());
  std::cout << state->size << "\n";
  return kExitOk;
}

int run_request(const Program& program, const WitnessOptions& options) {
  auto log = tlog::LogDirectory::open(options.dir);
  if (!log.ok()) return program.fail(log.error());
  auto note = log->read_checkpoint();
  if (!note.ok()) return program.fail(note.error());
  auto parsed = tlog::parse_note(*note);
  if (!parsed.ok()) return program.fail(parsed.error());
  auto checkpoint = tlog::parse_checkpoint_text(parsed->text);
  if (!checkpoint.ok()) return program.fail(checkpoint.error());
  auto tiles = log->tiles();
  auto proof = tlog::consistency_from_tiles(tiles)(options.old_size, checkpoint->size);
  if (!proof.ok()) return program.fail(proof.error());
  std::cout << tlog::format_add_checkpoint_request({options.old_size, *proof, *note});
  return kExitOk;
}

int run_attach(const Program& program, const WitnessOptions& options) {
  std::vector<tlog::NoteVerifier> witnesses;
  for (const auto& text : options.witness_vkeys) {
    auto key = tlog::NoteVerifier::parse(text);
    if (!key.ok()) return program.fail(key.error().with_context("--witness-vkey"));
    witnesses.push_back(std::move(key).value());
  }
  auto text = read_input(options.signatures);
  if (!text.ok()) return program.fail(text.error());
  auto lines = tlog::parse_signature_lines(*text);
  if (!lines.ok()) return program.fail(lines.error());
  auto log = tlog::LogDirectory::open(options.dir);
  if (!log.ok()) return program.fail(log.error());
  auto added = log->add_cosignatures(*lines, witnesses);
  if (!added.ok()) return report_failure(program, added.error());
  return kExitOk;
}

}  // namespace

void add_witness_commands(Program& program) {
  auto options = std::make_shared<WitnessOptions>();
  auto* witness =
      program.app().add_subcommand("witness", "Run a witness, or ask witnesses to cosign");
  witness->require_subcommand(1);

  auto* init = witness->add_subcommand("init", "Create a witness cosigning key");
  init->add_option("--name", options->name, "Witness name, e.g. witness.example/w1")->required();
  init->add_option("--key-out", options->key_out, "Where to write the private key (mode 0600)")
      ->required();
  init->footer("Prints the witness's verifier key (cosignature/v1), which clients pin.");
  program.on(init, [&program, options]() { return run_init(program, *options); });

  auto* cosign = witness->add_subcommand(
      "cosign", "Check an add-checkpoint request against the witness's state and cosign it");
  cosign->add_option("--key", options->key, "The witness's private key file")->required();
  cosign->add_option("--state", options->state, "The witness's state directory")->required();
  cosign->add_option("--log-vkey", options->log_vkeys, "A log the witness follows (repeatable)")
      ->allow_extra_args(false)
      ->required();
  cosign->add_option("--request", options->request, "Request body file, or - for stdin")
      ->capture_default_str();
  cosign->footer("Prints the cosignature line. Requests come from 'witness request'.");
  program.on(cosign, [&program, options]() { return run_cosign(program, *options); });

  auto* status = witness->add_subcommand("status", "Print the size last cosigned for a log");
  status->add_option("--state", options->state, "The witness's state directory")->required();
  status->add_option("--origin", options->origin, "The log's origin")->required();
  program.on(status, [&program, options]() { return run_status(program, *options); });

  auto* request = witness->add_subcommand(
      "request", "Print the add-checkpoint request for the log's current checkpoint");
  request->add_option("--dir", options->dir, "Log directory")->capture_default_str();
  request->add_option("--old", options->old_size, "The size the witness last cosigned")->required();
  program.on(request, [&program, options]() { return run_request(program, *options); });

  auto* attach = witness->add_subcommand("attach", "Add witness cosignatures to the checkpoint");
  attach->add_option("--dir", options->dir, "Log directory")->capture_default_str();
  attach->add_option("--witness-vkey", options->witness_vkeys, "A known witness key (repeatable)")
      ->allow_extra_args(false)
      ->required();
  attach->add_option("signatures", options->signatures, "Cosignature lines file, or - for stdin")
      ->capture_default_str();
  program.on(attach, [&program, options]() { return run_attach(program, *options); });
}

}  // namespace cloister::tools::log
