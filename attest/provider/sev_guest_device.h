// SEV-SNP evidence through /dev/sev-guest, the fallback where configfs-tsm is
// missing: the SNP_GET_EXT_REPORT ioctl (report plus the host's certificate
// table), or SNP_GET_REPORT when the host offers no certificates. The request
// and response layouts are encoded and decoded here, through ByteWriter and
// ByteReader, so they can be tested without the device.
#pragma once

#include <filesystem>

#include "attest/provider/provider.h"

namespace cloister::attest {

inline constexpr size_t kSnpReportRequestSize = 96;     // struct snp_report_req
inline constexpr size_t kSnpReportResponseSize = 4000;  // struct snp_report_resp

// Encodes struct snp_report_req: REPORT_DATA, then the VMPL (little-endian
// u32), then 28 zero bytes.
Bytes encode_report_request(const ReportData& report_data, uint32_t vmpl);

// Decodes the firmware's MSG_REPORT_RSP inside struct snp_report_resp:
// STATUS (u32), REPORT_SIZE (u32), 24 reserved bytes, then the report.
// Fails if STATUS is not 0 or the size is not 1184.
Result<Bytes> decode_report_response(ByteSpan response);

// Formats the firmware and VMM error codes the ioctl returns in exitinfo2.
std::string describe_guest_request_error(uint64_t exitinfo2);

struct SevGuestOptions {
  std::filesystem::path device = "/dev/sev-guest";
  uint32_t vmpl = 0;
  // Certificates to use when the host supplies none, or to add to its table
  // (e.g. ASK and ARK).
  Bytes extra_certificates{};
};

class SevGuestDeviceProvider final : public EvidenceProvider {
 public:
  explicit SevGuestDeviceProvider(SevGuestOptions options) : options_(std::move(options)) {}
  // Returns "sev-guest".
  std::string_view name() const override { return "sev-guest"; }
  // Requests a report for `report_data` at the configured VMPL, with the host's certificates.
  Result<EvidenceBytes> produce(const ReportData& report_data) override;

 private:
  SevGuestOptions options_;
};

}  // namespace cloister::attest
