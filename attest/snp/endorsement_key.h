// What a VCEK or VLEK certificate says about the chip (AMD "VCEK Certificate
// and KDS Interface" specification): X.509 extensions under
// 1.3.6.1.4.1.3704.1, each decoded as real DER (INTEGER SPLs, IA5String
// product name, the hwID octets).
#pragma once

#include <string>

#include "attest/snp/tcb.h"
#include "crypto/x509.h"

namespace cloister::attest::snp {

enum class EndorsementKind { kVcek, kVlek };

struct EndorsementKeyInfo {
  EndorsementKind kind = EndorsementKind::kVcek;
  uint8_t struct_version = 0;
  std::string product_name;  // e.g. "Milan-B0"
  TcbParts tcb;              // the TCB the key was derived for
  Bytes hwid;                // VCEK: 64 bytes (8 on Turin); VLEK: empty
  std::string csp_id;        // VLEK only
};

// Decodes the AMD extensions of `cert` for a chip of `product`. The kind is
// taken from the subject CN ("SEV-VCEK" or "SEV-VLEK"). Fails naming the
// first extension that is missing or not well-formed DER.
Result<EndorsementKeyInfo> decode_endorsement_key(const crypto::Certificate& cert,
                                                  AmdProduct product);

// Returns the hwID length for `product`: 64, or 8 on Turin.
size_t hwid_size(AmdProduct product);

}  // namespace cloister::attest::snp
