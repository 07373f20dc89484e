// `cloister attest ...`: offline verification and display of SEV-SNP, TDX and
// NVIDIA evidence, for auditors and tests.
//   cloister attest verify snp --report FILE --vcek FILE --chain ASK_ARK.pem
//   cloister attest verify tdx --quote FILE --tcb-info FILE --qe-identity FILE
//       --tcb-signing-chain FILE --pck-crl FILE --root-crl FILE --root FILE
//   cloister attest verify nvidia --report FILE --certs FILE --root FILE
//   cloister attest show snp|tdx|nvidia FILE
// Exit status: 0 accepted, 1 rejected (reasons printed), 2 unusable input or usage.
#pragma once

#include "tools/common/cli.h"

namespace cloister::tools {

// Adds the "attest" subcommand tree to `program`.
void register_attest_commands(Program& program);

}  // namespace cloister::tools
