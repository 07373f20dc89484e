// NVIDIA GPU evidence: the SPDM GET_MEASUREMENTS request the verifier (or the
// driver on its behalf) sent, followed by the MEASUREMENTS response (DMTF DSP0274,
// version 1.1 as Hopper speaks it). The response carries measurement blocks,
// the responder's nonce, NVIDIA's opaque data (type-length-value fields) and
// an ECDSA P-384 signature, raw r || s, over request || response-without-signature.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace cloister::attest::nvidia {

inline constexpr uint8_t kGetMeasurements = 0xE0;
inline constexpr uint8_t kMeasurements = 0x60;
inline constexpr size_t kNonceSize = 32;
inline constexpr size_t kP384SignatureSize = 96;

struct MeasurementBlock {
  uint8_t index = 0;
  uint8_t specification = 0;  // bit 0: DMTF measurement specification
  uint8_t value_type = 0;     // DMTF: bits 0-6 the kind, bit 7 raw bitstream (not a digest)
  Bytes value;                // the digest (48 bytes on Hopper) or raw bytes
};

struct OpaqueField {
  uint16_t type = 0;
  Bytes value;
};

struct SpdmEvidence {
  uint8_t spdm_version = 0;  // 0x11 for SPDM 1.1
  std::array<uint8_t, kNonceSize> request_nonce{};
  uint8_t requested_operation = 0;  // Param2: 0xFF asks for every block
  uint8_t slot_id = 0;
  std::vector<MeasurementBlock> blocks;
  std::array<uint8_t, kNonceSize> response_nonce{};
  std::vector<OpaqueField> opaque_fields;
  std::optional<std::string> driver_version;            // opaque field 3
  std::optional<std::string> vbios_version;             // opaque field 6, rendered like nvidia-smi
  size_t signed_size = 0;                               // request || response up to the signature
  std::array<uint8_t, kP384SignatureSize> signature{};  // r || s, big-endian
};

// Parses request || response.
Result<SpdmEvidence> parse_spdm_evidence(ByteSpan bytes);

// Returns the name NVIDIA gives an opaque field type, e.g. "DRIVER_VERSION",
// or "FIELD_<n>" for one it does not name.
std::string opaque_field_name(uint16_t type);

}  // namespace cloister::attest::nvidia
