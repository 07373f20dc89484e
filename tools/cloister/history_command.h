// `cloister history list|show|export|import|rm`: the encrypted conversation
// history, synced with the host.
#pragma once

#include "tools/common/cli.h"

namespace cloister::tools {

// Adds the history command to `program`, which must outlive the parse.
void register_history_commands(Program& program);

}  // namespace cloister::tools
