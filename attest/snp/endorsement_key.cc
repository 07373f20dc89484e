#include "attest/snp/endorsement_key.h"

namespace cloister::attest::snp {
namespace {

constexpr std::string_view kStructVersion = "1.3.6.1.4.1.3704.1.1";
constexpr std::string_view kProductName = "1.3.6.1.4.1.3704.1.2";
constexpr std::string_view kBlSpl = "1.3.6.1.4.1.3704.1.3.1";
constexpr std::string_view kTeeSpl = "1.3.6.1.4.1.3704.1.3.2";
constexpr std::string_view kSnpSpl = "1.3.6.1.4.1.3704.1.3.3";
constexpr std::string_view kUcodeSpl = "1.3.6.1.4.1.3704.1.3.8";
constexpr std::string_view kFmcSpl = "1.3.6.1.4.1.3704.1.3.9";
constexpr std::string_view kHwid = "1.3.6.1.4.1.3704.1.4";
constexpr std::string_view kCspId = "1.3.6.1.4.1.3704.1.5";

Result<std::optional<Bytes>> get(const crypto::Certificate& cert, std::string_view oid) {
  auto value = cert.extension(oid);
  if (!value.ok()) return value.error().with_context("VCEK/VLEK extension");
  return value;
}

Result<Bytes> require(const crypto::Certificate& cert, std::string_view oid,
                      std::string_view name) {
  CLOISTER_ASSIGN_OR_RETURN(auto value, get(cert, oid));
  if (!value) {
    return Error(ErrorCode::kMalformed, "certificate lacks the " + std::string(name) +
                                            " extension (" + std::string(oid) + ")");
  }
  return *value;
}

// An SPL extension holds one DER INTEGER from 0 to 255 and nothing else.
Result<uint8_t> decode_spl(const crypto::Certificate& cert, std::string_view oid,
                           std::string_view name) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes value, require(cert, oid, name));
  ByteReader reader(value);
  CLOISTER_ASSIGN_OR_RETURN(uint64_t spl, reader.read_der_uint64(name));
  CLOISTER_TRY(reader.expect_end(name));
  if (spl > 255) {
    return Error(ErrorCode::kMalformed,
                 std::string(name) + " is " + std::to_string(spl) + ", above 255");
  }
  return static_cast<uint8_t>(spl);
}

Result<std::string> decode_ia5(const Bytes& value, std::string_view name) {
  ByteReader reader(value);
  CLOISTER_ASSIGN_OR_RETURN(ByteReader text, reader.read_der(0x16, name));
  CLOISTER_TRY(reader.expect_end(name));
  return to_string(text.read_rest());
}

// KDS stores the hwID as bare octets; accept a DER OCTET STRING as well.
Result<Bytes> decode_hwid(const Bytes& value, size_t size) {
  if (value.size() == size) return value;
  ByteReader reader(value);
  CLOISTER_ASSIGN_OR_RETURN(ByteReader octets, reader.read_der(0x04, "hwID"));
  CLOISTER_TRY(reader.expect_end("hwID"));
  if (octets.remaining() != size) {
    return Error(ErrorCode::kMalformed, "hwID is " + std::to_string(octets.remaining()) +
                                            " bytes, expected " + std::to_string(size));
  }
  return to_bytes(octets.read_rest());
}

}  // namespace

size_t hwid_size(AmdProduct product) { return product == AmdProduct::kTurin ? 8 : 64; }

Result<EndorsementKeyInfo> decode_endorsement_key(const crypto::Certificate& cert,
                                                  AmdProduct product) {
  EndorsementKeyInfo info;
  std::string cn = cert.subject_attribute("CN").value_or("");
  if (cn == "SEV-VCEK") {
    info.kind = EndorsementKind::kVcek;
  } else if (cn == "SEV-VLEK") {
    info.kind = EndorsementKind::kVlek;
  } else {
    return Error(ErrorCode::kMalformed,
                 "endorsement key CN is \"" + cn + "\", expected SEV-VCEK or SEV-VLEK");
  }
  CLOISTER_ASSIGN_OR_RETURN(info.struct_version, decode_spl(cert, kStructVersion, "structVersion"));
  CLOISTER_ASSIGN_OR_RETURN(Bytes product_name, require(cert, kProductName, "productName"));
  CLOISTER_ASSIGN_OR_RETURN(info.product_name, decode_ia5(product_name, "productName"));
  CLOISTER_ASSIGN_OR_RETURN(info.tcb.bootloader, decode_spl(cert, kBlSpl, "blSPL"));
  CLOISTER_ASSIGN_OR_RETURN(info.tcb.tee, decode_spl(cert, kTeeSpl, "teeSPL"));
  CLOISTER_ASSIGN_OR_RETURN(info.tcb.snp, decode_spl(cert, kSnpSpl, "snpSPL"));
  CLOISTER_ASSIGN_OR_RETURN(info.tcb.microcode, decode_spl(cert, kUcodeSpl, "ucodeSPL"));
  if (product == AmdProduct::kTurin) {
    CLOISTER_ASSIGN_OR_RETURN(info.tcb.fmc, decode_spl(cert, kFmcSpl, "fmcSPL"));
  }
  CLOISTER_ASSIGN_OR_RETURN(auto hwid, get(cert, kHwid));
  CLOISTER_ASSIGN_OR_RETURN(auto csp_id, get(cert, kCspId));
  if (info.kind == EndorsementKind::kVcek) {
    if (!hwid) return Error(ErrorCode::kMalformed, "VCEK certificate lacks the hwID extension");
    if (csp_id) return Error(ErrorCode::kMalformed, "VCEK certificate has a CSP_ID extension");
    CLOISTER_ASSIGN_OR_RETURN(info.hwid, decode_hwid(*hwid, hwid_size(product)));
  } else {
    if (hwid) return Error(ErrorCode::kMalformed, "VLEK certificate has a hwID extension");
    if (!csp_id) return Error(ErrorCode::kMalformed, "VLEK certificate lacks CSP_ID");
    CLOISTER_ASSIGN_OR_RETURN(info.csp_id, decode_ia5(*csp_id, "CSP_ID"));
  }
  return info;
}

}  // namespace cloister::attest::snp
