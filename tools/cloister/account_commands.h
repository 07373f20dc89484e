// `cloister init`, `unlock`, `lock`, `slots list|add|remove` and
// `policy show|set`: the account, its key slots, and the trust policy.
#pragma once

#include "tools/common/cli.h"

namespace cloister::tools {

// Adds the account and policy commands to `program`, which must outlive the parse.
void register_account_commands(Program& program);

}  // namespace cloister::tools
