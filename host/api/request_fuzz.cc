// Fuzzes the host API's parsing of untrusted request fields and JSON bodies.
// Input: newline-separated fields: blob id, entity tag, lookup id, If-Match,
// If-None-Match, Sec-WebSocket-Protocol, then the JSON body (the rest).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "host/api/api_support.h"
#include "host/api/request_parsing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister;
  using namespace cloister::host;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> fields;
  while (fields.size() < 6) {
    size_t newline = input.find('\n');
    fields.push_back(input.substr(0, newline));
    input = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  }

  if (check_blob_id(fields[0]).ok() && (fields[0].empty() || fields[0].size() > kMaxBlobIdLength)) {
    __builtin_trap();
  }
  if (auto version = parse_version_tag(fields[1]); version.ok()) {
    if (*parse_version_tag(version_tag(*version)) != *version) __builtin_trap();
  }
  if (auto id = parse_lookup_id(fields[2]); id.ok()) {
    // Strict base64url has one encoding per value.
    if (base64url_encode(*id) != fields[2]) __builtin_trap();
  }

  net::HttpRequest request;
  if (!fields[3].empty()) request.headers.set("If-Match", std::string(fields[3]));
  if (!fields[4].empty()) request.headers.set("If-None-Match", std::string(fields[4]));
  if (!fields[5].empty()) request.headers.set("Sec-WebSocket-Protocol", std::string(fields[5]));
  (void)write_precondition(request);
  auto offered = read_offered_protocols(request);
  if (offered.token && offered.token->empty()) __builtin_trap();

  request.body = std::string(input);
  if (auto body = parse_json_object(request); body.ok()) {
    (void)read_base64url_field(*body, "public_key", 32);
    (void)read_base64url_field(*body, "signature", 64);
    (void)read_base64url_field(*body, "wrapped", 0, 4096);
    if (auto kind = read_string_field(*body, "kind"); kind.ok()) (void)parse_slot_kind(*kind);
  }
  return 0;
}
