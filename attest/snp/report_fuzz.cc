// Fuzzes the SNP report parser: any input parses or fails cleanly, and what
// parses serializes back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "attest/snp/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cloister::ByteSpan input(data, size);
  auto report = cloister::attest::snp::parse_report(input);
  if (report.ok() && cloister::attest::snp::serialize_report(*report) !=
                         cloister::Bytes(input.begin(), input.end())) {
    std::abort();
  }
  return 0;
}
