#include "attest/snp/cert_table.h"

#include <algorithm>

#include "base/encoding.h"

namespace cloister::attest::snp {
namespace {

constexpr size_t kGuidSize = 16;
constexpr size_t kEntrySize = 24;
constexpr size_t kMaxEntries = 64;

std::string guid_to_string(ByteSpan guid) {
  std::string hex = hex_encode(guid);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

Result<Bytes> guid_from_string(std::string_view text) {
  std::string hex;
  for (char c : text) {
    if (c != '-') hex += c;
  }
  auto bytes = hex_decode(hex);
  if (text.size() != 36 || !bytes.ok() || bytes->size() != kGuidSize) {
    return Error(ErrorCode::kInvalidArgument, "not a GUID: " + std::string(text));
  }
  return bytes;
}

}  // namespace

Result<std::vector<CertTableEntry>> parse_cert_table(ByteSpan table) {
  struct Header {
    std::string guid;
    uint32_t offset;
    uint32_t length;
  };
  std::vector<Header> headers;
  ByteReader reader(table);
  while (true) {
    if (headers.size() > kMaxEntries) {
      return Error(ErrorCode::kResourceExhausted, "certificate table has more than 64 entries");
    }
    CLOISTER_ASSIGN_OR_RETURN(ByteSpan guid,
                              reader.read_bytes(kGuidSize, "certificate table GUID"));
    CLOISTER_ASSIGN_OR_RETURN(uint32_t offset, reader.read_u32le("certificate table offset"));
    CLOISTER_ASSIGN_OR_RETURN(uint32_t length, reader.read_u32le("certificate table length"));
    bool zero_guid = std::all_of(guid.begin(), guid.end(), [](uint8_t b) { return b == 0; });
    if (zero_guid && offset == 0 && length == 0) break;
    headers.push_back({guid_to_string(guid), offset, length});
  }
  const size_t header_end = reader.offset();
  std::vector<CertTableEntry> entries;
  for (const Header& header : headers) {
    if (header.offset < header_end || header.offset > table.size() ||
        header.length > table.size() - header.offset) {
      return Error(ErrorCode::kMalformed,
                   "certificate table entry " + header.guid + " points outside the table");
    }
    ByteSpan data = table.subspan(header.offset, header.length);
    entries.push_back({header.guid, to_bytes(data)});
  }
  return entries;
}

Result<Bytes> encode_cert_table(const std::vector<CertTableEntry>& entries) {
  ByteWriter writer;
  size_t offset = (entries.size() + 1) * kEntrySize;
  for (const CertTableEntry& entry : entries) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes guid, guid_from_string(entry.guid));
    writer.put_bytes(guid);
    writer.put_u32le(static_cast<uint32_t>(offset));
    writer.put_u32le(static_cast<uint32_t>(entry.data.size()));
    offset += entry.data.size();
  }
  writer.put_zeros(kEntrySize);
  for (const CertTableEntry& entry : entries) writer.put_bytes(entry.data);
  return writer.take();
}

}  // namespace cloister::attest::snp
