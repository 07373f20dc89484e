// cloister-host: the untrusted relay, account service and encrypted store.
#include "tools/common/cli.h"

int main(int argc, char** argv) {
  cloister::tools::Program program(
      "cloister-host",
      "Cloister host: relays encrypted sessions to enclaves and stores ciphertext.\n"
      "Untrusted by design: it never sees prompts, answers or keys.");
  program.app().require_subcommand(0, 1);
  return program.run(argc, argv);
}
