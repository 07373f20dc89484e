#include "attest/tdx/quote.h"

#include <string>

namespace cloister::attest::tdx {
namespace {

template <size_t N>
Status read_array(ByteReader& reader, std::array<uint8_t, N>& out, std::string_view what) {
  return reader.read_into(out, what);
}

Result<QuoteHeader> parse_header(ByteReader& reader) {
  QuoteHeader header;
  CLOISTER_ASSIGN_OR_RETURN(header.version, reader.read_u16le("quote version"));
  if (header.version != 4 && header.version != 5) {
    return Error(ErrorCode::kUnsupported,
                 "TDX quote version " + std::to_string(header.version) + " is not 4 or 5");
  }
  CLOISTER_ASSIGN_OR_RETURN(header.attestation_key_type, reader.read_u16le("attestation key type"));
  if (header.attestation_key_type != kAttestationKeyEcdsaP256) {
    return Error(ErrorCode::kUnsupported, "attestation key type " +
                                              std::to_string(header.attestation_key_type) +
                                              " is not 2 (ECDSA-256 with P-256)");
  }
  CLOISTER_ASSIGN_OR_RETURN(header.tee_type, reader.read_u32le("TEE type"));
  if (header.tee_type != kTeeTypeTdx) {
    return Error(ErrorCode::kUnsupported,
                 "TEE type " + std::to_string(header.tee_type) + " is not 0x81 (TDX)");
  }
  CLOISTER_TRY(reader.skip(4, "header reserved"));
  CLOISTER_TRY(read_array(reader, header.qe_vendor_id, "QE vendor id"));
  CLOISTER_TRY(read_array(reader, header.user_data, "user data"));
  return header;
}

Result<TdReportBody> parse_body(ByteReader& reader, bool td15) {
  TdReportBody body;
  CLOISTER_TRY(read_array(reader, body.tee_tcb_svn, "TEE_TCB_SVN"));
  CLOISTER_TRY(read_array(reader, body.mr_seam, "MRSEAM"));
  CLOISTER_TRY(read_array(reader, body.mr_signer_seam, "MRSIGNERSEAM"));
  CLOISTER_ASSIGN_OR_RETURN(body.seam_attributes, reader.read_u64le("SEAMATTRIBUTES"));
  CLOISTER_ASSIGN_OR_RETURN(body.td_attributes, reader.read_u64le("TDATTRIBUTES"));
  CLOISTER_ASSIGN_OR_RETURN(body.xfam, reader.read_u64le("XFAM"));
  CLOISTER_TRY(read_array(reader, body.mr_td, "MRTD"));
  CLOISTER_TRY(read_array(reader, body.mr_config_id, "MRCONFIGID"));
  CLOISTER_TRY(read_array(reader, body.mr_owner, "MROWNER"));
  CLOISTER_TRY(read_array(reader, body.mr_owner_config, "MROWNERCONFIG"));
  for (size_t i = 0; i < body.rtmr.size(); ++i) {
    CLOISTER_TRY(read_array(reader, body.rtmr[i], "RTMR" + std::to_string(i)));
  }
  CLOISTER_TRY(read_array(reader, body.report_data, "REPORTDATA"));
  if (td15) {
    std::array<uint8_t, 16> svn2{};
    Measurement service{};
    CLOISTER_TRY(read_array(reader, svn2, "TEE_TCB_SVN_2"));
    CLOISTER_TRY(read_array(reader, service, "MRSERVICETD"));
    body.tee_tcb_svn2 = svn2;
    body.mr_service_td = service;
  }
  return body;
}

Result<EnclaveReport> parse_enclave_report(ByteReader& reader) {
  EnclaveReport report;
  CLOISTER_TRY(read_array(reader, report.cpu_svn, "QE CPUSVN"));
  CLOISTER_ASSIGN_OR_RETURN(report.misc_select, reader.read_u32le("QE MISCSELECT"));
  CLOISTER_TRY(reader.skip(28, "QE reserved"));
  CLOISTER_TRY(read_array(reader, report.attributes, "QE ATTRIBUTES"));
  CLOISTER_TRY(read_array(reader, report.mr_enclave, "QE MRENCLAVE"));
  CLOISTER_TRY(reader.skip(32, "QE reserved"));
  CLOISTER_TRY(read_array(reader, report.mr_signer, "QE MRSIGNER"));
  CLOISTER_TRY(reader.skip(96, "QE reserved"));
  CLOISTER_ASSIGN_OR_RETURN(report.isv_prod_id, reader.read_u16le("QE ISVPRODID"));
  CLOISTER_ASSIGN_OR_RETURN(report.isv_svn, reader.read_u16le("QE ISVSVN"));
  CLOISTER_TRY(reader.skip(60, "QE reserved"));
  CLOISTER_TRY(read_array(reader, report.report_data, "QE REPORTDATA"));
  return report;
}

// QE report certification data (type 6): QE report, its signature, QE
// authentication data, and nested PCK chain certification data (type 5).
Status parse_qe_certification(ByteReader& reader, Quote& quote) {
  ByteSpan before = reader.peek_rest();
  CLOISTER_ASSIGN_OR_RETURN(ByteReader report_reader,
                            reader.read_sub(kEnclaveReportSize, "QE report"));
  quote.qe_report_bytes = to_bytes(before.first(kEnclaveReportSize));
  CLOISTER_ASSIGN_OR_RETURN(quote.qe_report, parse_enclave_report(report_reader));
  CLOISTER_TRY(read_array(reader, quote.qe_report_signature, "QE report signature"));
  CLOISTER_ASSIGN_OR_RETURN(uint16_t auth_size, reader.read_u16le("QE auth data size"));
  CLOISTER_ASSIGN_OR_RETURN(ByteSpan auth, reader.read_bytes(auth_size, "QE auth data"));
  quote.qe_auth_data = to_bytes(auth);
  CLOISTER_ASSIGN_OR_RETURN(uint16_t type, reader.read_u16le("PCK certification data type"));
  if (type != kCertDataPckChain) {
    return Error(ErrorCode::kUnsupported, "PCK certification data type " + std::to_string(type) +
                                              " is not 5 (PCK certificate chain)");
  }
  CLOISTER_ASSIGN_OR_RETURN(uint32_t size, reader.read_u32le("PCK certification data size"));
  CLOISTER_ASSIGN_OR_RETURN(ByteSpan chain, reader.read_bytes(size, "PCK certificate chain"));
  // The chain is PEM, sometimes NUL-terminated.
  while (!chain.empty() && chain.back() == 0) chain = chain.first(chain.size() - 1);
  quote.pck_chain = to_bytes(chain);
  return reader.expect_end("QE report certification data");
}

}  // namespace

Result<Quote> parse_quote(ByteSpan bytes) {
  ByteReader reader(bytes);
  Quote quote;
  CLOISTER_ASSIGN_OR_RETURN(quote.header, parse_header(reader));
  bool td15 = false;
  if (quote.header.version == 5) {
    CLOISTER_ASSIGN_OR_RETURN(quote.body_type, reader.read_u16le("body type"));
    CLOISTER_ASSIGN_OR_RETURN(uint32_t size, reader.read_u32le("body size"));
    if (quote.body_type == kBodyTypeTd10 && size == kTd10BodySize) {
      td15 = false;
    } else if (quote.body_type == kBodyTypeTd15 && size == kTd15BodySize) {
      td15 = true;
    } else {
      return Error(ErrorCode::kUnsupported, "v5 quote body type " +
                                                std::to_string(quote.body_type) + " of " +
                                                std::to_string(size) + " bytes is not a TD report");
    }
  }
  CLOISTER_ASSIGN_OR_RETURN(quote.body, parse_body(reader, td15));
  quote.signed_size = reader.offset();
  CLOISTER_ASSIGN_OR_RETURN(uint32_t signature_size, reader.read_u32le("signature data size"));
  CLOISTER_ASSIGN_OR_RETURN(ByteReader sig, reader.read_sub(signature_size, "signature data"));
  CLOISTER_TRY(read_array(sig, quote.signature, "quote signature"));
  CLOISTER_TRY(read_array(sig, quote.attestation_key, "attestation key"));
  CLOISTER_ASSIGN_OR_RETURN(uint16_t cert_type, sig.read_u16le("certification data type"));
  if (cert_type != kCertDataQeReport) {
    return Error(ErrorCode::kUnsupported, "certification data type " + std::to_string(cert_type) +
                                              " is not 6 (QE report certification data)");
  }
  CLOISTER_ASSIGN_OR_RETURN(uint32_t cert_size, sig.read_u32le("certification data size"));
  CLOISTER_ASSIGN_OR_RETURN(ByteReader cert, sig.read_sub(cert_size, "certification data"));
  CLOISTER_TRY(parse_qe_certification(cert, quote));
  CLOISTER_TRY(sig.expect_end("signature data"));
  quote.trailing_bytes = reader.remaining();
  return quote;
}

}  // namespace cloister::attest::tdx
