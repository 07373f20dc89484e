// Fuzzes the TDX quote parser (v4 and v5): any input parses or fails cleanly.
#include <cstddef>
#include <cstdint>

#include "attest/tdx/quote.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)cloister::attest::tdx::parse_quote({data, size});
  return 0;
}
