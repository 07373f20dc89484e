// cloister: the client. Chat, history, keys, the verifying proxy, and offline
// attestation checks for auditors.
#include "tools/cloister/account_commands.h"
#include "tools/cloister/attest_command.h"
#include "tools/cloister/chat_commands.h"
#include "tools/cloister/dev_command.h"
#include "tools/cloister/history_command.h"
#include "tools/cloister/proxy_command.h"
#include "tools/common/cli.h"

int main(int argc, char** argv) {
  cloister::tools::Program program(
      "cloister",
      "Cloister client: end-to-end encrypted chat with an attested enclave.\n"
      "Every answer comes from code whose measurement the client verified first.");
  program.app().require_subcommand(0, 1);
  cloister::tools::register_account_commands(program);
  cloister::tools::register_chat_commands(program);
  cloister::tools::register_history_commands(program);
  cloister::tools::register_dev_commands(program);
  cloister::tools::register_attest_commands(program);
  cloister::tools::register_proxy_command(program);
  return program.run(argc, argv);
}
