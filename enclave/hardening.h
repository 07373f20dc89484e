// Process hardening for the enclave, done first thing at boot: no core dumps,
// no ptrace or /proc/PID/mem by other processes of the same user, every page
// locked in RAM so nothing reaches swap, and every SecretBytes created from
// then on locked and excluded from dumps.
#pragma once

#include "base/result.h"

namespace cloister::enclave {

struct HardeningReport {
  bool non_dumpable = false;   // prctl(PR_SET_DUMPABLE, 0)
  bool core_disabled = false;  // RLIMIT_CORE = 0
  bool memory_locked = false;  // mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)
};

// Applies every measure and reports which took effect. Fails with kIo if the
// process cannot be made non-dumpable or core dumps cannot be disabled, and
// if memory cannot be locked when `require_memory_lock` is set.
Result<HardeningReport> harden_process(bool require_memory_lock);

}  // namespace cloister::enclave
