// Evidence providers: how the enclave obtains evidence bound to a 64-byte
// REPORT_DATA (which the session layer computes) from the platform it runs on.
#pragma once

#include <array>
#include <string_view>

#include "attest/evidence.h"

namespace cloister::attest {

using ReportData = std::array<uint8_t, 64>;

class EvidenceProvider {
 public:
  virtual ~EvidenceProvider() = default;
  // Returns a short name for logs, e.g. "configfs-tsm" or "simulated".
  virtual std::string_view name() const = 0;
  // Returns fresh evidence whose REPORT_DATA is `report_data`, with the
  // collateral the verifier needs (certificate chain or table).
  virtual Result<EvidenceBytes> produce(const ReportData& report_data) = 0;
};

}  // namespace cloister::attest
