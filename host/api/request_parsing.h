// The small parsers the API applies to untrusted request fields: blob ids,
// entity tags, lookup ids, write preconditions and offered subprotocols.
// Kept apart from the handlers so that fuzz_host_request can reach them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "host/store/store.h"
#include "net/http_message.h"

namespace cloister::host {

inline constexpr size_t kMaxBlobIdLength = 128;

// Fails with kMalformed unless `id` is 1 to 128 characters of [A-Za-z0-9._-].
Status check_blob_id(std::string_view id);
// Parses a plain decimal number (no sign, no spaces) that fits in 64 bits.
std::optional<uint64_t> parse_decimal(std::string_view text);
// Parses an entity tag holding a version: "12" (quoted, as the host sends
// them) or a bare 12.
Result<uint64_t> parse_version_tag(std::string_view tag);
// Returns the entity tag for `version`, e.g. "\"12\"".
std::string version_tag(uint64_t version);
// Parses a lookup id: exactly 32 bytes in unpadded base64url.
Result<LookupId> parse_lookup_id(std::string_view text);
// Returns the precondition of a blob write: If-None-Match: * creates,
// If-Match: "<version>" updates. Neither is kFailedPrecondition (428).
Result<Precondition> write_precondition(const net::HttpRequest& request);

struct OfferedProtocols {
  bool cloister = false;             // "cloister.v1" was offered
  std::optional<std::string> token;  // from "cloister.bearer.<token>"
};
// Reads the Sec-WebSocket-Protocol offers of an upgrade request.
OfferedProtocols read_offered_protocols(const net::HttpRequest& request);

}  // namespace cloister::host
