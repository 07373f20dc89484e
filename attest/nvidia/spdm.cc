#include "attest/nvidia/spdm.h"

#include <cstdio>

namespace cloister::attest::nvidia {
namespace {

constexpr uint16_t kDriverVersion = 3;
constexpr uint16_t kVbiosVersion = 6;
constexpr uint8_t kSignatureRequested = 0x01;

std::string printable(ByteSpan value) {
  std::string text;
  for (uint8_t c : value) {
    if (c == 0) break;
    text += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  return text;
}

// NVIDIA prints the VBIOS version from its little-endian 8 bytes as
// "96.00.9F.00.01" (bytes 3, 2, 1, 0 and 4).
std::string vbios_text(ByteSpan value) {
  if (value.size() < 5) return printable(value);
  char text[32];
  std::snprintf(text, sizeof(text), "%02X.%02X.%02X.%02X.%02X", value[3], value[2], value[1],
                value[0], value[4]);
  return text;
}

Result<MeasurementBlock> parse_block(ByteReader& record) {
  MeasurementBlock block;
  CLOISTER_ASSIGN_OR_RETURN(block.index, record.read_u8("measurement block index"));
  CLOISTER_ASSIGN_OR_RETURN(block.specification, record.read_u8("measurement specification"));
  CLOISTER_ASSIGN_OR_RETURN(uint16_t size, record.read_u16le("measurement size"));
  CLOISTER_ASSIGN_OR_RETURN(ByteReader measurement, record.read_sub(size, "measurement"));
  if ((block.specification & 0x01) == 0) {
    return Error(ErrorCode::kUnsupported, "measurement block " + std::to_string(block.index) +
                                              " does not use the DMTF specification");
  }
  CLOISTER_ASSIGN_OR_RETURN(block.value_type, measurement.read_u8("DMTF value type"));
  CLOISTER_ASSIGN_OR_RETURN(uint16_t value_size, measurement.read_u16le("DMTF value size"));
  CLOISTER_ASSIGN_OR_RETURN(ByteSpan value, measurement.read_bytes(value_size, "DMTF value"));
  CLOISTER_TRY(measurement.expect_end("DMTF measurement"));
  block.value = to_bytes(value);
  return block;
}

Status parse_opaque(ByteReader& opaque, SpdmEvidence& evidence) {
  while (!opaque.empty()) {
    OpaqueField field;
    CLOISTER_ASSIGN_OR_RETURN(field.type, opaque.read_u16le("opaque field type"));
    CLOISTER_ASSIGN_OR_RETURN(uint16_t size, opaque.read_u16le("opaque field size"));
    CLOISTER_ASSIGN_OR_RETURN(ByteSpan value, opaque.read_bytes(size, "opaque field value"));
    field.value = to_bytes(value);
    if (field.type == kDriverVersion) evidence.driver_version = printable(value);
    if (field.type == kVbiosVersion) evidence.vbios_version = vbios_text(value);
    evidence.opaque_fields.push_back(std::move(field));
  }
  return ok_status();
}

}  // namespace

std::string opaque_field_name(uint16_t type) {
  static constexpr const char* kNames[] = {nullptr,
                                           "CERT_ISSUER_NAME",
                                           "CERT_AUTHORITY_KEY_IDENTIFIER",
                                           "DRIVER_VERSION",
                                           "GPU_INFO",
                                           "SKU",
                                           "VBIOS_VERSION",
                                           "MANUFACTURER_ID",
                                           "TAMPER_DETECTION",
                                           "SMC",
                                           "VPR",
                                           "NVDEC0_STATUS",
                                           "MSRSCNT",
                                           "CPRINFO",
                                           "BOARD_ID",
                                           "CHIP_SKU",
                                           "CHIP_SKU_MOD",
                                           "PROJECT",
                                           "PROJECT_SKU",
                                           "PROJECT_SKU_MOD",
                                           "FWID",
                                           "PROTECTED_PCIE_STATUS"};
  if (type < std::size(kNames) && kNames[type] != nullptr) return kNames[type];
  return "FIELD_" + std::to_string(type);
}

Result<SpdmEvidence> parse_spdm_evidence(ByteSpan bytes) {
  ByteReader reader(bytes);
  SpdmEvidence evidence;
  // GET_MEASUREMENTS request.
  CLOISTER_ASSIGN_OR_RETURN(evidence.spdm_version, reader.read_u8("request SPDM version"));
  if (evidence.spdm_version < 0x11) {
    return Error(ErrorCode::kUnsupported, "SPDM version below 1.1 has no signed measurements");
  }
  CLOISTER_ASSIGN_OR_RETURN(uint8_t request_code, reader.read_u8("request code"));
  if (request_code != kGetMeasurements) {
    return Error(ErrorCode::kMalformed, "the evidence does not start with GET_MEASUREMENTS");
  }
  CLOISTER_ASSIGN_OR_RETURN(uint8_t param1, reader.read_u8("request Param1"));
  if ((param1 & kSignatureRequested) == 0) {
    return Error(ErrorCode::kMalformed, "GET_MEASUREMENTS did not ask for a signature");
  }
  CLOISTER_ASSIGN_OR_RETURN(evidence.requested_operation, reader.read_u8("request Param2"));
  CLOISTER_TRY(reader.read_into(evidence.request_nonce, "request nonce"));
  CLOISTER_ASSIGN_OR_RETURN(evidence.slot_id, reader.read_u8("request slot id"));

  // MEASUREMENTS response.
  CLOISTER_ASSIGN_OR_RETURN(uint8_t response_version, reader.read_u8("response SPDM version"));
  if (response_version != evidence.spdm_version) {
    return Error(ErrorCode::kMalformed, "request and response SPDM versions differ");
  }
  CLOISTER_ASSIGN_OR_RETURN(uint8_t response_code, reader.read_u8("response code"));
  if (response_code != kMeasurements) {
    return Error(ErrorCode::kMalformed, "the response is not MEASUREMENTS");
  }
  CLOISTER_TRY(reader.skip(2, "response Param1 and Param2"));
  CLOISTER_ASSIGN_OR_RETURN(uint8_t block_count, reader.read_u8("number of blocks"));
  CLOISTER_ASSIGN_OR_RETURN(ByteSpan length, reader.read_bytes(3, "record length"));
  const uint32_t record_length = uint32_t{length[0]} | (uint32_t{length[1]} << 8) |
                                 (uint32_t{length[2]} << 16);  // little-endian u24
  CLOISTER_ASSIGN_OR_RETURN(ByteReader record,
                            reader.read_sub(record_length, "measurement record"));
  for (size_t i = 0; i < block_count; ++i) {
    CLOISTER_ASSIGN_OR_RETURN(MeasurementBlock block, parse_block(record));
    evidence.blocks.push_back(std::move(block));
  }
  CLOISTER_TRY(record.expect_end("measurement record"));
  CLOISTER_TRY(reader.read_into(evidence.response_nonce, "response nonce"));
  CLOISTER_ASSIGN_OR_RETURN(uint16_t opaque_length, reader.read_u16le("opaque data length"));
  CLOISTER_ASSIGN_OR_RETURN(ByteReader opaque, reader.read_sub(opaque_length, "opaque data"));
  CLOISTER_TRY(parse_opaque(opaque, evidence));
  evidence.signed_size = reader.offset();
  CLOISTER_TRY(reader.read_into(evidence.signature, "signature"));
  CLOISTER_TRY(reader.expect_end("SPDM evidence"));
  return evidence;
}

}  // namespace cloister::attest::nvidia
