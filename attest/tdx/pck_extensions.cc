#include "attest/tdx/pck_extensions.h"

#include <algorithm>
#include <string>

namespace cloister::attest::tdx {
namespace {

// DER contents of OID 1.2.840.113741.1.13.1 (Intel SGX extensions).
constexpr uint8_t kSgxExtensions[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};
constexpr uint8_t kPpid = 1;
constexpr uint8_t kTcb = 2;
constexpr uint8_t kPceId = 3;
constexpr uint8_t kFmspc = 4;
constexpr uint8_t kPceSvnComponent = 17;
constexpr uint8_t kCpuSvnComponent = 18;

// Returns the arc after `prefix` when `oid` is prefix.N with one more arc
// below 128, or -1.
int arc_after(ByteSpan oid, ByteSpan prefix) {
  if (oid.size() != prefix.size() + 1 || !std::equal(prefix.begin(), prefix.end(), oid.begin())) {
    return -1;
  }
  return oid.back() < 0x80 ? oid.back() : -1;
}

Result<ByteSpan> read_octets(ByteReader& reader, size_t size, std::string_view what) {
  CLOISTER_ASSIGN_OR_RETURN(ByteReader octets, reader.read_der(0x04, what));
  if (octets.remaining() != size) {
    return Error(ErrorCode::kMalformed,
                 std::string(what) + " must be " + std::to_string(size) + " bytes");
  }
  return octets.read_rest();
}

Status decode_tcb(ByteReader tcb, PckExtensions& out) {
  Bytes tcb_prefix(std::begin(kSgxExtensions), std::end(kSgxExtensions));
  tcb_prefix.push_back(kTcb);
  std::array<bool, 19> seen{};
  while (!tcb.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(ByteReader entry, tcb.read_der(0x30, "PCK TCB component"));
    CLOISTER_ASSIGN_OR_RETURN(ByteReader oid, entry.read_der(0x06, "PCK TCB component OID"));
    int component = arc_after(oid.read_rest(), tcb_prefix);
    if (component >= 1 && component <= 16) {
      CLOISTER_ASSIGN_OR_RETURN(uint64_t svn, entry.read_der_uint64("SGX TCB component SVN"));
      if (svn > 255) return Error(ErrorCode::kMalformed, "SGX TCB component SVN above 255");
      out.sgx_tcb_components[component - 1] = static_cast<uint8_t>(svn);
    } else if (component == kPceSvnComponent) {
      CLOISTER_ASSIGN_OR_RETURN(uint64_t svn, entry.read_der_uint64("PCESVN"));
      if (svn > 65535) return Error(ErrorCode::kMalformed, "PCESVN above 65535");
      out.pce_svn = static_cast<uint16_t>(svn);
    } else if (component == kCpuSvnComponent) {
      CLOISTER_ASSIGN_OR_RETURN(ByteSpan cpu_svn, read_octets(entry, 16, "CPUSVN"));
      std::copy(cpu_svn.begin(), cpu_svn.end(), out.cpu_svn.begin());
    } else {
      continue;  // unknown components are skipped, as Intel's profile allows
    }
    CLOISTER_TRY(entry.expect_end("PCK TCB component"));
    seen[component] = true;
  }
  for (int component = 1; component <= kCpuSvnComponent; ++component) {
    if (!seen[component]) {
      return Error(ErrorCode::kMalformed, "PCK TCB lacks component " + std::to_string(component));
    }
  }
  return ok_status();
}

}  // namespace

Result<PckExtensions> decode_pck_extensions(const crypto::Certificate& pck) {
  CLOISTER_ASSIGN_OR_RETURN(auto value, pck.extension("1.2.840.113741.1.13.1"));
  if (!value) return Error(ErrorCode::kMalformed, "PCK certificate lacks the SGX extension");
  PckExtensions out;
  bool have_tcb = false, have_pce_id = false, have_fmspc = false;
  ByteReader outer(*value);
  CLOISTER_ASSIGN_OR_RETURN(ByteReader fields, outer.read_der(0x30, "SGX extensions"));
  CLOISTER_TRY(outer.expect_end("SGX extensions"));
  ByteSpan prefix(kSgxExtensions);
  while (!fields.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(ByteReader field, fields.read_der(0x30, "SGX extension field"));
    CLOISTER_ASSIGN_OR_RETURN(ByteReader oid, field.read_der(0x06, "SGX extension field OID"));
    int arc = arc_after(oid.read_rest(), prefix);
    if (arc == kTcb) {
      CLOISTER_ASSIGN_OR_RETURN(ByteReader tcb, field.read_der(0x30, "PCK TCB"));
      CLOISTER_TRY(decode_tcb(tcb, out));
      have_tcb = true;
    } else if (arc == kPceId) {
      CLOISTER_ASSIGN_OR_RETURN(ByteSpan pce_id, read_octets(field, 2, "PCE-ID"));
      std::copy(pce_id.begin(), pce_id.end(), out.pce_id.begin());
      have_pce_id = true;
    } else if (arc == kFmspc) {
      CLOISTER_ASSIGN_OR_RETURN(ByteSpan fmspc, read_octets(field, 6, "FMSPC"));
      std::copy(fmspc.begin(), fmspc.end(), out.fmspc.begin());
      have_fmspc = true;
    } else if (arc == kPpid) {
      CLOISTER_TRY(read_octets(field, 16, "PPID"));
    }
  }
  if (!have_tcb || !have_pce_id || !have_fmspc) {
    return Error(ErrorCode::kMalformed, "PCK SGX extension lacks TCB, PCE-ID or FMSPC");
  }
  return out;
}

}  // namespace cloister::attest::tdx
