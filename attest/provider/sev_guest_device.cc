#include "attest/provider/sev_guest_device.h"

#include <fcntl.h>
#include <linux/sev-guest.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "attest/snp/chain.h"
#include "attest/snp/report.h"
#include "crypto/secret_bytes.h"

namespace cloister::attest {
namespace {

constexpr uint8_t kMessageVersion = 1;
constexpr size_t kPage = 4096;
constexpr size_t kMaxCertificatePages = 64;

static_assert(sizeof(snp_report_req) == kSnpReportRequestSize);
static_assert(sizeof(snp_report_resp) == kSnpReportResponseSize);

class Device {
 public:
  explicit Device(int fd) : fd_(fd) {}
  ~Device() {
    if (fd_ >= 0) ::close(fd_);
  }
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

Bytes collect_certificates(ByteSpan table, ByteSpan extra) {
  Bytes pem_bundle;
  for (ByteSpan source : {table, extra}) {
    if (source.empty()) continue;
    auto certs = snp::parse_snp_certificates(source);
    if (!certs.ok()) continue;
    for (const auto& cert : *certs) {
      std::string pem = cert.to_pem();
      if (to_string(pem_bundle).find(pem) == std::string::npos) {
        pem_bundle.insert(pem_bundle.end(), pem.begin(), pem.end());
      }
    }
  }
  return pem_bundle;
}

}  // namespace

Bytes encode_report_request(const ReportData& report_data, uint32_t vmpl) {
  // Starting from the REPORT_DATA copy sidesteps a GCC 12 -Wstringop-overflow
  // false positive on the first insert into an empty ByteWriter.
  Bytes request(report_data.begin(), report_data.end());
  ByteWriter tail;
  tail.put_u32le(vmpl);
  tail.put_zeros(28);
  request.insert(request.end(), tail.data().begin(), tail.data().end());
  return request;
}

Result<Bytes> decode_report_response(ByteSpan response) {
  ByteReader reader(response);
  CLOISTER_ASSIGN_OR_RETURN(uint32_t status, reader.read_u32le("MSG_REPORT_RSP STATUS"));
  if (status != 0) {
    return Error(ErrorCode::kRejected, "the SNP firmware refused the report request with status " +
                                           std::to_string(status) +
                                           (status == 0x16 ? " (invalid parameters)" : ""));
  }
  CLOISTER_ASSIGN_OR_RETURN(uint32_t size, reader.read_u32le("MSG_REPORT_RSP REPORT_SIZE"));
  if (size != snp::kReportSize) {
    return Error(ErrorCode::kMalformed,
                 "MSG_REPORT_RSP REPORT_SIZE is " + std::to_string(size) + ", expected 1184");
  }
  CLOISTER_TRY(reader.skip(24, "MSG_REPORT_RSP reserved"));
  CLOISTER_ASSIGN_OR_RETURN(ByteSpan report, reader.read_bytes(size, "MSG_REPORT_RSP report"));
  return to_bytes(report);
}

std::string describe_guest_request_error(uint64_t exitinfo2) {
  uint32_t firmware = static_cast<uint32_t>(exitinfo2);
  uint32_t vmm = static_cast<uint32_t>(exitinfo2 >> 32);
  std::string text =
      "firmware error " + std::to_string(firmware) + ", VMM error " + std::to_string(vmm);
  if (vmm == SNP_GUEST_VMM_ERR_INVALID_LEN) text += " (certificate buffer too small)";
  if (vmm == SNP_GUEST_VMM_ERR_BUSY) text += " (host busy)";
  return text;
}

Result<EvidenceBytes> SevGuestDeviceProvider::produce(const ReportData& report_data) {
  Device device(::open(options_.device.c_str(), O_RDWR | O_CLOEXEC));
  if (device.fd() < 0) {
    return Error(errno == ENOENT ? ErrorCode::kUnavailable : ErrorCode::kIo,
                 "cannot open " + options_.device.string() + ": " + std::strerror(errno) +
                     (errno == ENOENT ? " (not an SEV-SNP guest, or sev-guest not loaded)" : ""));
  }
  Bytes request_bytes = encode_report_request(report_data, options_.vmpl);
  snp_ext_report_req request{};
  std::memcpy(&request.data, request_bytes.data(), request_bytes.size());
  Bytes response(kSnpReportResponseSize);
  Bytes certificates(4 * kPage);

  while (true) {
    request.certs_address = reinterpret_cast<uint64_t>(certificates.data());
    request.certs_len = static_cast<uint32_t>(certificates.size());
    snp_guest_request_ioctl guest{};
    guest.msg_version = kMessageVersion;
    guest.req_data = reinterpret_cast<uint64_t>(&request);
    guest.resp_data = reinterpret_cast<uint64_t>(response.data());
    if (::ioctl(device.fd(), SNP_GET_EXT_REPORT, &guest) == 0) break;
    uint32_t vmm = static_cast<uint32_t>(guest.exitinfo2 >> 32);
    if (vmm == SNP_GUEST_VMM_ERR_INVALID_LEN && request.certs_len > certificates.size() &&
        request.certs_len <= kMaxCertificatePages * kPage) {
      certificates.assign(request.certs_len, 0);  // the host said how much it needs
      continue;
    }
    // No extended report (older host): fall back to a plain report.
    snp_guest_request_ioctl plain{};
    plain.msg_version = kMessageVersion;
    plain.req_data = reinterpret_cast<uint64_t>(&request.data);
    plain.resp_data = reinterpret_cast<uint64_t>(response.data());
    if (::ioctl(device.fd(), SNP_GET_REPORT, &plain) != 0) {
      return Error(ErrorCode::kIo, "SNP_GET_REPORT failed: " + std::string(std::strerror(errno)) +
                                       ", " + describe_guest_request_error(plain.exitinfo2));
    }
    certificates.clear();
    break;
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes report, decode_report_response(response));
  auto parsed = snp::parse_report(report);
  if (!parsed.ok() || !crypto::constant_time_equals(parsed->report_data, report_data)) {
    return Error(ErrorCode::kRejected, "the device returned a report for other REPORT_DATA");
  }
  Bytes bundle = collect_certificates(certificates, options_.extra_certificates);
  if (bundle.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the host supplied no certificates and none are configured");
  }
  return EvidenceBytes{
      .platform = Platform::kSnp, .report = std::move(report), .collateral = std::move(bundle)};
}

}  // namespace cloister::attest
