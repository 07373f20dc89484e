// cloister-log: the transparency log of releases.
#include "tools/cloister-log/commands.h"

int main(int argc, char** argv) {
  cloister::tools::Program program(
      "cloister-log", "Cloister transparency log: a C2SP tiled Merkle log of release manifests.");
  program.app().require_subcommand(0, 1);
  cloister::tools::log::add_log_commands(program);
  cloister::tools::log::add_proof_commands(program);
  cloister::tools::log::add_witness_commands(program);
  cloister::tools::log::add_manifest_commands(program);
  return program.run(argc, argv);
}
