// `cloister ask`, `cloister chat` (the REPL) and `cloister verify`: verified
// chat with the enclave, streamed, with history saved as encrypted blobs.
#pragma once

#include "tools/common/cli.h"

namespace cloister::tools {

// Adds ask, chat and verify to `program`, which must outlive the parse.
void register_chat_commands(Program& program);

}  // namespace cloister::tools
