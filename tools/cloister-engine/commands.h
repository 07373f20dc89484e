// The subcommands of cloister-engine. Each adds itself to the program; the
// work is done by the engine library.
#pragma once

#include "tools/common/cli.h"

namespace cloister::tools::engine_cli {

// info -m FILE: what a GGUF model is and whether the engine can run it.
void add_info_command(Program& program);

// tokenize -m FILE [--no-bos] [--parse-special] (TEXT | - | --inp FILE).
void add_tokenize_command(Program& program);

// run -m FILE [-p PROMPT | --chat] [sampling options]: generate text.
void add_run_command(Program& program);

// serve -m FILE [--listen HOST:PORT]: an OpenAI-compatible HTTP server.
void add_serve_command(Program& program);

// bench -m FILE [-t N] [-p N] [-n N] [--batch B]: prefill and decode speed,
// and decode as a fraction of this machine's memory-bandwidth bound.
void add_bench_command(Program& program);

}  // namespace cloister::tools::engine_cli
