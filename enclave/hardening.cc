#include "enclave/hardening.h"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "crypto/secret_bytes.h"

namespace cloister::enclave {
namespace {

Error os_error(std::string_view what) {
  return Error(ErrorCode::kIo, std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

Result<HardeningReport> harden_process(bool require_memory_lock) {
  HardeningReport report;
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return os_error("prctl(PR_SET_DUMPABLE, 0)");
  report.non_dumpable = true;
  const rlimit no_core{0, 0};
  if (::setrlimit(RLIMIT_CORE, &no_core) != 0) return os_error("setrlimit(RLIMIT_CORE, 0)");
  report.core_disabled = true;
  // Lock on fault: pages are locked as they are touched, so a large model
  // mapping does not have to fit in RAM at once to be mapped.
  if (::mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0) {
    report.memory_locked = true;
  } else if (require_memory_lock) {
    return os_error(
        "mlockall (give the enclave CAP_IPC_LOCK or a large enough RLIMIT_MEMLOCK, or pass "
        "--require-memory-lock=false for development)");
  }
  crypto::SecretBytes::lock_new_secrets(true);
  return report;
}

}  // namespace cloister::enclave
