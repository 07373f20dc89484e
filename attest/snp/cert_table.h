// The GHCB certificate table (AMD GHCB specification, extended guest request;
// also the auxblob of configfs-tsm on SNP): 24-byte entries of GUID, offset
// and length, ended by an all-zero entry, followed by the certificates the
// offsets point at.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"

namespace cloister::attest::snp {

inline constexpr std::string_view kVcekGuid = "63da758d-e664-4564-adc5-f4b93be8accd";
inline constexpr std::string_view kVlekGuid = "a8074bc2-a25a-483e-aae6-39c045a0b8a1";
inline constexpr std::string_view kAskGuid = "4ab7b379-bbac-4fe4-a02f-05aef327c782";
inline constexpr std::string_view kArkGuid = "c0b406a4-a803-4952-9743-3fb6014cd0ae";

struct CertTableEntry {
  std::string guid;  // lower-case 8-4-4-4-12 form
  Bytes data;
};

// Parses a certificate table. Entries must point inside `table`, after the
// header; at most 64 entries are read.
Result<std::vector<CertTableEntry>> parse_cert_table(ByteSpan table);

// Encodes entries as a certificate table (header, terminator, then data).
// Fails on a malformed GUID.
Result<Bytes> encode_cert_table(const std::vector<CertTableEntry>& entries);

}  // namespace cloister::attest::snp
