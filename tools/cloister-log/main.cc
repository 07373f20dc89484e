// cloister-log: the transparency log of releases.
#include "tools/common/cli.h"

int main(int argc, char** argv) {
  cloister::tools::Program program(
      "cloister-log", "Cloister transparency log: a C2SP tiled Merkle log of release manifests.");
  program.app().require_subcommand(0, 1);
  return program.run(argc, argv);
}
