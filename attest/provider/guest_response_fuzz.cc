// Fuzzes the decoder of the SNP firmware's MSG_REPORT_RSP (from /dev/sev-guest).
#include <cstddef>
#include <cstdint>

#include "attest/provider/sev_guest_device.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)cloister::attest::decode_report_response({data, size});
  return 0;
}
