// The Intel SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1,
// Intel "PCK Certificate and CRL Profile"): the platform's TCB (16 SGX
// component SVNs, PCESVN, CPUSVN), PCE-ID and FMSPC, decoded as DER.
#pragma once

#include <array>
#include <cstdint>

#include "crypto/x509.h"

namespace cloister::attest::tdx {

struct PckExtensions {
  std::array<uint8_t, 16> sgx_tcb_components{};
  uint16_t pce_svn = 0;
  std::array<uint8_t, 16> cpu_svn{};
  std::array<uint8_t, 2> pce_id{};
  std::array<uint8_t, 6> fmspc{};
};

// Decodes the SGX extension of `pck`. Fails naming the first missing or
// malformed field.
Result<PckExtensions> decode_pck_extensions(const crypto::Certificate& pck);

}  // namespace cloister::attest::tdx
