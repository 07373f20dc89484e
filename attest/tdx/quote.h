// Intel TDX DCAP quotes, versions 4 and 5 (Intel TDX DCAP Quoting Library API,
// "Quote Format"): a 48-byte header, the TD report body (TDX 1.0, or 1.5 in a
// v5 quote), then the ECDSA-P256 quote signature, the attestation key, and the
// QE report certification data that carries the QE report, its signature, the
// QE authentication data and the PCK certificate chain. Little-endian, parsed
// field by field through ByteReader.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.h"

namespace cloister::attest::tdx {

inline constexpr uint32_t kTeeTypeTdx = 0x81;
inline constexpr uint16_t kAttestationKeyEcdsaP256 = 2;
inline constexpr uint16_t kCertDataQeReport = 6;
inline constexpr uint16_t kCertDataPckChain = 5;
inline constexpr uint16_t kBodyTypeTd10 = 2;
inline constexpr uint16_t kBodyTypeTd15 = 3;
inline constexpr size_t kHeaderSize = 48;
inline constexpr size_t kTd10BodySize = 584;
inline constexpr size_t kTd15BodySize = 648;
inline constexpr size_t kEnclaveReportSize = 384;
inline constexpr uint64_t kTdAttributeDebug = 1;  // TD_ATTRIBUTES bit 0 (TUD.DEBUG)

using Measurement = std::array<uint8_t, 48>;

struct QuoteHeader {
  uint16_t version = 0;
  uint16_t attestation_key_type = 0;
  uint32_t tee_type = 0;
  std::array<uint8_t, 16> qe_vendor_id{};
  std::array<uint8_t, 20> user_data{};
};

struct TdReportBody {
  std::array<uint8_t, 16> tee_tcb_svn{};
  Measurement mr_seam{};
  Measurement mr_signer_seam{};
  uint64_t seam_attributes = 0;
  uint64_t td_attributes = 0;
  uint64_t xfam = 0;
  Measurement mr_td{};
  Measurement mr_config_id{};
  Measurement mr_owner{};
  Measurement mr_owner_config{};
  std::array<Measurement, 4> rtmr{};
  std::array<uint8_t, 64> report_data{};
  std::optional<std::array<uint8_t, 16>> tee_tcb_svn2;  // TDX 1.5 body
  std::optional<Measurement> mr_service_td;             // TDX 1.5 body
};

// An SGX REPORT body: here, the Quoting Enclave's report.
struct EnclaveReport {
  std::array<uint8_t, 16> cpu_svn{};
  uint32_t misc_select = 0;
  std::array<uint8_t, 16> attributes{};
  std::array<uint8_t, 32> mr_enclave{};
  std::array<uint8_t, 32> mr_signer{};
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  std::array<uint8_t, 64> report_data{};
};

struct Quote {
  QuoteHeader header;
  uint16_t body_type = kBodyTypeTd10;
  TdReportBody body;
  size_t signed_size = 0;                     // bytes [0, signed_size) carry the signature
  std::array<uint8_t, 64> signature{};        // r || s, big-endian
  std::array<uint8_t, 64> attestation_key{};  // P-256 x || y
  EnclaveReport qe_report;
  Bytes qe_report_bytes;                          // the 384 signed bytes
  std::array<uint8_t, 64> qe_report_signature{};  // r || s by the PCK key
  Bytes qe_auth_data;
  Bytes pck_chain;            // PEM: PCK leaf, intermediate CA, root
  size_t trailing_bytes = 0;  // after the signature data; not covered by anything
};

// Parses a v4 or v5 TDX quote. Bytes after the declared signature data are
// counted in trailing_bytes, not parsed.
Result<Quote> parse_quote(ByteSpan bytes);

// Returns TD_ATTRIBUTES.DEBUG.
inline bool td_debug(const TdReportBody& body) {
  return (body.td_attributes & kTdAttributeDebug) != 0;
}

}  // namespace cloister::attest::tdx
