// The SEV-SNP ATTESTATION_REPORT (AMD SEV-SNP ABI specification, "Attestation
// Report" table), versions 2 to 5: 1184 bytes, little-endian, signed by the
// VCEK or VLEK over bytes [0, 0x2A0). Parsed field by field through
// ByteReader; reserved ranges must be zero.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.h"

namespace cloister::attest::snp {

inline constexpr size_t kReportSize = 0x4A0;
inline constexpr size_t kSignedSize = 0x2A0;
inline constexpr uint32_t kMinReportVersion = 2;
inline constexpr uint32_t kMaxReportVersion = 5;
inline constexpr uint32_t kSignatureAlgoEcdsaP384Sha384 = 1;
inline constexpr size_t kSignatureComponentSize = 72;  // R and S, little-endian

// The guest POLICY the VM owner fixed at launch.
struct GuestPolicy {
  uint64_t raw = 0;
  uint8_t abi_minor = 0;
  uint8_t abi_major = 0;
  bool smt = false;                 // bit 16: SMT allowed
  bool migrate_ma = false;          // bit 18: a migration agent may be associated
  bool debug = false;               // bit 19: the host may debug (read/write) guest memory
  bool single_socket = false;       // bit 20
  bool cxl_allowed = false;         // bit 21
  bool mem_aes_256_xts = false;     // bit 22
  bool rapl_disabled = false;       // bit 23
  bool ciphertext_hiding = false;   // bit 24
  bool page_swap_disabled = false;  // bit 25
};

// Decodes POLICY; fails if reserved bit 17 is clear or bits 26..63 are set.
Result<GuestPolicy> decode_guest_policy(uint64_t raw);
// Builds POLICY from its parts (bit 17 set).
uint64_t encode_guest_policy(const GuestPolicy& policy);

enum class SigningKey : uint8_t { kVcek = 0, kVlek = 1, kNone = 7 };

struct FirmwareVersion {
  uint8_t build = 0;
  uint8_t minor = 0;
  uint8_t major = 0;
};

struct CpuId {
  uint8_t family = 0;  // combined family, e.g. 0x19 (Zen 3/4) or 0x1A (Zen 5)
  uint8_t model = 0;   // combined model
  uint8_t stepping = 0;
};

struct Report {
  uint32_t version = 0;
  uint32_t guest_svn = 0;
  GuestPolicy policy;
  std::array<uint8_t, 16> family_id{};
  std::array<uint8_t, 16> image_id{};
  uint32_t vmpl = 0;
  uint32_t signature_algo = 0;
  uint64_t current_tcb = 0;
  uint64_t platform_info = 0;
  bool author_key_enabled = false;
  bool mask_chip_key = false;
  SigningKey signing_key = SigningKey::kVcek;
  std::array<uint8_t, 64> report_data{};
  std::array<uint8_t, 48> measurement{};
  std::array<uint8_t, 32> host_data{};
  std::array<uint8_t, 48> id_key_digest{};
  std::array<uint8_t, 48> author_key_digest{};
  std::array<uint8_t, 32> report_id{};
  std::array<uint8_t, 32> report_id_ma{};
  uint64_t reported_tcb = 0;
  std::optional<CpuId> cpuid;  // version 3 and later
  std::array<uint8_t, 64> chip_id{};
  uint64_t committed_tcb = 0;
  FirmwareVersion current_version;
  FirmwareVersion committed_version;
  uint64_t launch_tcb = 0;
  std::optional<uint64_t> launch_mit_vector;                   // version 5 and later
  std::optional<uint64_t> current_mit_vector;                  // version 5 and later
  std::array<uint8_t, kSignatureComponentSize> signature_r{};  // little-endian
  std::array<uint8_t, kSignatureComponentSize> signature_s{};  // little-endian
};

// Parses exactly kReportSize bytes of a version 2..5 report.
Result<Report> parse_report(ByteSpan bytes);

// Serializes `report` in the ABI layout (reserved ranges zero). Fields that
// the report's version does not have (CPUID before v3, mitigation vectors
// before v5) are written as zero.
Bytes serialize_report(const Report& report);

// Returns the part of a serialized report that the signature covers.
inline ByteSpan signed_part(ByteSpan report) { return report.first(kSignedSize); }

}  // namespace cloister::attest::snp
