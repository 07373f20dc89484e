// cloister-engine: the embedded GGUF inference engine as a standalone tool.
#include "tools/common/cli.h"

int main(int argc, char** argv) {
  cloister::tools::Program program("cloister-engine",
                                   "Cloister engine: GGUF inference for the llama family on CPU.");
  program.app().require_subcommand(0, 1);
  return program.run(argc, argv);
}
