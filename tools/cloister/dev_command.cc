#include "tools/cloister/dev_command.h"

#include <iostream>
#include <memory>
#include <string>

#include "base/files.h"
#include "noise/cacophony.h"

namespace cloister::tools {
namespace {

// Runs the cacophony vectors in `path`: one line per failure on stderr, the
// summary on stdout, and a non-zero exit if anything failed.
int run_noise_vectors(const Program& program, const std::string& path) {
  auto text = read_text_file(path);
  if (!text.ok()) return program.fail(text.error());
  auto summary = noise::run_cacophony_vectors(*text);
  if (!summary.ok()) return program.fail(summary.error().with_context(path));
  for (const std::string& failure : summary->failures) {
    std::cerr << "FAILED " << failure << "\n";
  }
  std::cout << noise::format_summary(*summary) << "\n";
  return summary->failed == 0 ? kExitOk : kExitRejected;
}

}  // namespace

void register_dev_commands(Program& program) {
  CLI::App* dev = program.app().add_subcommand("dev", "Developer tools: published test vectors");
  dev->require_subcommand(1);

  auto vectors_path = std::make_shared<std::string>();
  CLI::App* noise_vectors = dev->add_subcommand(
      "noise-vectors",
      "Run every Noise test vector in a cacophony-format JSON file whose protocol this build "
      "supports; prints 'N passed, M failed, K skipped' and exits non-zero on any failure");
  noise_vectors->add_option("FILE", *vectors_path, "Vector file (JSON, cacophony format)")
      ->required();
  program.on(noise_vectors,
             [&program, vectors_path]() { return run_noise_vectors(program, *vectors_path); });
}

}  // namespace cloister::tools
