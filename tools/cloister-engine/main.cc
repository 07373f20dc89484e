// cloister-engine: the embedded GGUF inference engine as a standalone tool.
#include "tools/cloister-engine/commands.h"
#include "tools/common/cli.h"

int main(int argc, char** argv) {
  cloister::tools::Program program("cloister-engine",
                                   "Cloister engine: GGUF inference for the llama family on CPU.");
  program.app().require_subcommand(0, 1);
  cloister::tools::engine_cli::add_info_command(program);
  cloister::tools::engine_cli::add_tokenize_command(program);
  cloister::tools::engine_cli::add_run_command(program);
  cloister::tools::engine_cli::add_serve_command(program);
  cloister::tools::engine_cli::add_bench_command(program);
  return program.run(argc, argv);
}
