// Fuzzes the SPDM GET_MEASUREMENTS evidence parser and the packing of GPU
// evidence in the session bundle: any input parses or fails cleanly.
#include <cstddef>
#include <cstdint>

#include "attest/evidence.h"
#include "attest/nvidia/spdm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)cloister::attest::nvidia::parse_spdm_evidence({data, size});
  (void)cloister::attest::decode_gpu_evidence({data, size});
  return 0;
}
