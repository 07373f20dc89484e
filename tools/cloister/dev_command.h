// `cloister dev ...`: developer commands, such as running published test
// vectors against this build.
#pragma once

#include "tools/common/cli.h"

namespace cloister::tools {

// Adds the `dev` subcommand and its children to `program`, which must
// outlive the parse.
void register_dev_commands(Program& program);

}  // namespace cloister::tools
