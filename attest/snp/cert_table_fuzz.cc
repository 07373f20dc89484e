// Fuzzes the GHCB certificate table parser and the SNP certificate bundle
// reader (PEM, DER or table) behind it.
#include <cstddef>
#include <cstdint>

#include "attest/snp/cert_table.h"
#include "attest/snp/chain.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cloister::ByteSpan input(data, size);
  (void)cloister::attest::snp::parse_cert_table(input);
  (void)cloister::attest::snp::parse_snp_certificates(input);
  return 0;
}
