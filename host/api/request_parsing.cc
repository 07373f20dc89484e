#include "host/api/request_parsing.h"

#include <charconv>

#include "base/encoding.h"

namespace cloister::host {
namespace {

constexpr std::string_view kProtocol = "cloister.v1";
constexpr std::string_view kBearerProtocolPrefix = "cloister.bearer.";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

Status check_blob_id(std::string_view id) {
  bool valid = !id.empty() && id.size() <= kMaxBlobIdLength;
  for (char c : id) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.');
  }
  if (!valid) {
    return Error(ErrorCode::kMalformed, "blob id must be 1 to 128 characters of [A-Za-z0-9._-]");
  }
  return ok_status();
}

std::optional<uint64_t> parse_decimal(std::string_view text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<uint64_t> parse_version_tag(std::string_view tag) {
  if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') {
    tag = tag.substr(1, tag.size() - 2);
  }
  auto version = parse_decimal(tag);
  if (!version) return Error(ErrorCode::kMalformed, "entity tag must be a quoted version number");
  return *version;
}

std::string version_tag(uint64_t version) { return "\"" + std::to_string(version) + "\""; }

Result<LookupId> parse_lookup_id(std::string_view text) {
  auto bytes = base64url_decode(text);
  LookupId id{};
  if (!bytes.ok() || bytes->size() != id.size()) {
    return Error(ErrorCode::kMalformed, "lookup id must be 32 bytes in base64url");
  }
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

Result<Precondition> write_precondition(const net::HttpRequest& request) {
  auto if_match = request.headers.get("If-Match");
  auto if_none_match = request.headers.get("If-None-Match");
  if (if_match && if_none_match) {
    return Error(ErrorCode::kMalformed, "send either If-Match or If-None-Match, not both");
  }
  if (if_none_match) {
    if (trim(*if_none_match) != "*") {
      return Error(ErrorCode::kMalformed, "If-None-Match on a write must be *");
    }
    return Precondition::must_not_exist();
  }
  if (if_match) {
    CLOISTER_ASSIGN_OR_RETURN(uint64_t version, parse_version_tag(trim(*if_match)));
    return Precondition::must_match(version);
  }
  return Error(ErrorCode::kFailedPrecondition,
               "a blob write needs If-None-Match: * (create) or If-Match: \"<version>\" (update)");
}

OfferedProtocols read_offered_protocols(const net::HttpRequest& request) {
  OfferedProtocols offered;
  auto header = request.headers.get("Sec-WebSocket-Protocol");
  if (!header) return offered;
  std::string_view rest = *header;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (item == kProtocol) offered.cloister = true;
    if (item.starts_with(kBearerProtocolPrefix) && item.size() > kBearerProtocolPrefix.size()) {
      offered.token = std::string(item.substr(kBearerProtocolPrefix.size()));
    }
  }
  return offered;
}

}  // namespace cloister::host
