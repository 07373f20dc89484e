#include "attest/snp/report.h"

#include <algorithm>
#include <string>

namespace cloister::attest::snp {
namespace {

constexpr uint64_t kPolicyReservedOne = uint64_t{1} << 17;
constexpr int kPolicyHighestDefinedBit = 25;

bool bit(uint64_t value, int index) { return ((value >> index) & 1) != 0; }

// Reads `n` reserved bytes that must all be zero.
Status read_zeros(ByteReader& reader, size_t n, std::string_view what) {
  size_t at = reader.offset();
  CLOISTER_ASSIGN_OR_RETURN(ByteSpan bytes, reader.read_bytes(n, what));
  if (std::any_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b != 0; })) {
    return Error(ErrorCode::kMalformed,
                 std::string(what) + " at offset " + std::to_string(at) + " must be zero");
  }
  return ok_status();
}

// Guards the fixed layout: every field starts where the ABI table says.
Status expect_offset(const ByteReader& reader, size_t offset, std::string_view field) {
  if (reader.offset() != offset) {
    return Error(ErrorCode::kInternal, "SNP report layout error before " + std::string(field));
  }
  return ok_status();
}

template <size_t N>
Status read_array(ByteReader& reader, std::array<uint8_t, N>& out, std::string_view what) {
  return reader.read_into(out, what);
}

Result<FirmwareVersion> read_version(ByteReader& reader, std::string_view what) {
  FirmwareVersion version;
  CLOISTER_ASSIGN_OR_RETURN(version.build, reader.read_u8(what));
  CLOISTER_ASSIGN_OR_RETURN(version.minor, reader.read_u8(what));
  CLOISTER_ASSIGN_OR_RETURN(version.major, reader.read_u8(what));
  CLOISTER_TRY(read_zeros(reader, 1, what));
  return version;
}

}  // namespace

Result<GuestPolicy> decode_guest_policy(uint64_t raw) {
  if ((raw & kPolicyReservedOne) == 0) {
    return Error(ErrorCode::kMalformed, "SNP guest POLICY bit 17 is reserved and must be 1");
  }
  if ((raw >> (kPolicyHighestDefinedBit + 1)) != 0) {
    return Error(ErrorCode::kMalformed, "SNP guest POLICY sets reserved bits 26..63");
  }
  GuestPolicy policy;
  policy.raw = raw;
  policy.abi_minor = static_cast<uint8_t>(raw & 0xff);
  policy.abi_major = static_cast<uint8_t>((raw >> 8) & 0xff);
  policy.smt = bit(raw, 16);
  policy.migrate_ma = bit(raw, 18);
  policy.debug = bit(raw, 19);
  policy.single_socket = bit(raw, 20);
  policy.cxl_allowed = bit(raw, 21);
  policy.mem_aes_256_xts = bit(raw, 22);
  policy.rapl_disabled = bit(raw, 23);
  policy.ciphertext_hiding = bit(raw, 24);
  policy.page_swap_disabled = bit(raw, 25);
  return policy;
}

uint64_t encode_guest_policy(const GuestPolicy& policy) {
  auto flag = [](bool on, int index) { return on ? uint64_t{1} << index : 0; };
  return uint64_t{policy.abi_minor} | (uint64_t{policy.abi_major} << 8) | kPolicyReservedOne |
         flag(policy.smt, 16) | flag(policy.migrate_ma, 18) | flag(policy.debug, 19) |
         flag(policy.single_socket, 20) | flag(policy.cxl_allowed, 21) |
         flag(policy.mem_aes_256_xts, 22) | flag(policy.rapl_disabled, 23) |
         flag(policy.ciphertext_hiding, 24) | flag(policy.page_swap_disabled, 25);
}

Result<Report> parse_report(ByteSpan bytes) {
  if (bytes.size() != kReportSize) {
    return Error(ErrorCode::kMalformed, "SNP report must be " + std::to_string(kReportSize) +
                                            " bytes, got " + std::to_string(bytes.size()));
  }
  ByteReader reader(bytes);
  Report r;
  CLOISTER_ASSIGN_OR_RETURN(r.version, reader.read_u32le("VERSION"));
  if (r.version < kMinReportVersion || r.version > kMaxReportVersion) {
    return Error(ErrorCode::kUnsupported,
                 "SNP report version " + std::to_string(r.version) + " is not 2 to 5");
  }
  CLOISTER_ASSIGN_OR_RETURN(r.guest_svn, reader.read_u32le("GUEST_SVN"));
  CLOISTER_ASSIGN_OR_RETURN(uint64_t policy, reader.read_u64le("POLICY"));
  CLOISTER_ASSIGN_OR_RETURN(r.policy, decode_guest_policy(policy));
  CLOISTER_TRY(read_array(reader, r.family_id, "FAMILY_ID"));
  CLOISTER_TRY(read_array(reader, r.image_id, "IMAGE_ID"));
  CLOISTER_TRY(expect_offset(reader, 0x30, "VMPL"));
  CLOISTER_ASSIGN_OR_RETURN(r.vmpl, reader.read_u32le("VMPL"));
  CLOISTER_ASSIGN_OR_RETURN(r.signature_algo, reader.read_u32le("SIGNATURE_ALGO"));
  CLOISTER_ASSIGN_OR_RETURN(r.current_tcb, reader.read_u64le("CURRENT_TCB"));
  CLOISTER_ASSIGN_OR_RETURN(r.platform_info, reader.read_u64le("PLATFORM_INFO"));
  CLOISTER_ASSIGN_OR_RETURN(uint32_t signer_info, reader.read_u32le("signer info"));
  if ((signer_info >> 5) != 0) {
    return Error(ErrorCode::kMalformed, "SNP report signer info sets reserved bits 5..31");
  }
  r.author_key_enabled = (signer_info & 1) != 0;
  r.mask_chip_key = (signer_info & 2) != 0;
  uint32_t signing_key = (signer_info >> 2) & 7;
  if (signing_key != 0 && signing_key != 1 && signing_key != 7) {
    return Error(ErrorCode::kMalformed,
                 "SNP report SIGNING_KEY " + std::to_string(signing_key) + " is reserved");
  }
  r.signing_key = static_cast<SigningKey>(signing_key);
  CLOISTER_TRY(read_zeros(reader, 4, "reserved after signer info"));
  CLOISTER_TRY(expect_offset(reader, 0x50, "REPORT_DATA"));
  CLOISTER_TRY(read_array(reader, r.report_data, "REPORT_DATA"));
  CLOISTER_TRY(read_array(reader, r.measurement, "MEASUREMENT"));
  CLOISTER_TRY(read_array(reader, r.host_data, "HOST_DATA"));
  CLOISTER_TRY(read_array(reader, r.id_key_digest, "ID_KEY_DIGEST"));
  CLOISTER_TRY(read_array(reader, r.author_key_digest, "AUTHOR_KEY_DIGEST"));
  CLOISTER_TRY(read_array(reader, r.report_id, "REPORT_ID"));
  CLOISTER_TRY(read_array(reader, r.report_id_ma, "REPORT_ID_MA"));
  CLOISTER_TRY(expect_offset(reader, 0x180, "REPORTED_TCB"));
  CLOISTER_ASSIGN_OR_RETURN(r.reported_tcb, reader.read_u64le("REPORTED_TCB"));
  if (r.version >= 3) {
    CpuId cpuid;
    CLOISTER_ASSIGN_OR_RETURN(cpuid.family, reader.read_u8("CPUID_FAM_ID"));
    CLOISTER_ASSIGN_OR_RETURN(cpuid.model, reader.read_u8("CPUID_MOD_ID"));
    CLOISTER_ASSIGN_OR_RETURN(cpuid.stepping, reader.read_u8("CPUID_STEP"));
    r.cpuid = cpuid;
    CLOISTER_TRY(read_zeros(reader, 0x1A0 - 0x18B, "reserved after CPUID"));
  } else {
    CLOISTER_TRY(read_zeros(reader, 0x1A0 - 0x188, "reserved after REPORTED_TCB"));
  }
  CLOISTER_TRY(read_array(reader, r.chip_id, "CHIP_ID"));
  CLOISTER_ASSIGN_OR_RETURN(r.committed_tcb, reader.read_u64le("COMMITTED_TCB"));
  CLOISTER_ASSIGN_OR_RETURN(r.current_version, read_version(reader, "CURRENT_BUILD/MINOR/MAJOR"));
  CLOISTER_ASSIGN_OR_RETURN(r.committed_version,
                            read_version(reader, "COMMITTED_BUILD/MINOR/MAJOR"));
  CLOISTER_ASSIGN_OR_RETURN(r.launch_tcb, reader.read_u64le("LAUNCH_TCB"));
  if (r.version >= 5) {
    CLOISTER_ASSIGN_OR_RETURN(r.launch_mit_vector, reader.read_u64le("LAUNCH_MIT_VECTOR"));
    CLOISTER_ASSIGN_OR_RETURN(r.current_mit_vector, reader.read_u64le("CURRENT_MIT_VECTOR"));
  }
  CLOISTER_TRY(read_zeros(reader, kSignedSize - reader.offset(), "reserved before SIGNATURE"));
  CLOISTER_TRY(expect_offset(reader, kSignedSize, "SIGNATURE"));
  CLOISTER_TRY(read_array(reader, r.signature_r, "SIGNATURE.R"));
  CLOISTER_TRY(read_array(reader, r.signature_s, "SIGNATURE.S"));
  CLOISTER_TRY(read_zeros(reader, reader.remaining(), "reserved after SIGNATURE.S"));
  CLOISTER_TRY(reader.expect_end("SNP report"));
  return r;
}

Bytes serialize_report(const Report& r) {
  ByteWriter w;
  w.put_u32le(r.version);
  w.put_u32le(r.guest_svn);
  w.put_u64le(r.policy.raw);
  w.put_bytes(r.family_id);
  w.put_bytes(r.image_id);
  w.put_u32le(r.vmpl);
  w.put_u32le(r.signature_algo);
  w.put_u64le(r.current_tcb);
  w.put_u64le(r.platform_info);
  w.put_u32le((r.author_key_enabled ? 1u : 0u) | (r.mask_chip_key ? 2u : 0u) |
              (static_cast<uint32_t>(r.signing_key) << 2));
  w.put_zeros(4);
  w.put_bytes(r.report_data);
  w.put_bytes(r.measurement);
  w.put_bytes(r.host_data);
  w.put_bytes(r.id_key_digest);
  w.put_bytes(r.author_key_digest);
  w.put_bytes(r.report_id);
  w.put_bytes(r.report_id_ma);
  w.put_u64le(r.reported_tcb);
  CpuId cpuid = r.version >= 3 && r.cpuid ? *r.cpuid : CpuId{};
  w.put_u8(cpuid.family);
  w.put_u8(cpuid.model);
  w.put_u8(cpuid.stepping);
  w.put_zeros(0x1A0 - 0x18B);
  w.put_bytes(r.chip_id);
  w.put_u64le(r.committed_tcb);
  for (const FirmwareVersion& version : {r.current_version, r.committed_version}) {
    w.put_u8(version.build);
    w.put_u8(version.minor);
    w.put_u8(version.major);
    w.put_u8(0);
  }
  w.put_u64le(r.launch_tcb);
  w.put_u64le(r.version >= 5 ? r.launch_mit_vector.value_or(0) : 0);
  w.put_u64le(r.version >= 5 ? r.current_mit_vector.value_or(0) : 0);
  w.put_zeros(kSignedSize - w.size());
  w.put_bytes(r.signature_r);
  w.put_bytes(r.signature_s);
  w.put_zeros(kReportSize - w.size());
  return w.take();
}

}  // namespace cloister::attest::snp
