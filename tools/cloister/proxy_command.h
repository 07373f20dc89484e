// `cloister proxy`: an OpenAI-compatible endpoint that attests the enclave
// before forwarding anything (docs/client.md, "The verifying proxy").
//   cloister proxy --host ws://HOST/v1/session --policy ~/.config/cloister/policy.json
//   cloister proxy --host ws://HOST/v1/session --log-vkey VKEY --witness-vkey VKEY
//       [--witness-threshold N] [--listen 127.0.0.1:8088] [--allow-simulated]
// It listens on loopback only unless --allow-non-loopback is given, and runs
// until SIGINT or SIGTERM.
#pragma once

#include "tools/common/cli.h"

namespace cloister::tools {

// Adds the "proxy" subcommand to `program`.
void register_proxy_command(Program& program);

}  // namespace cloister::tools
