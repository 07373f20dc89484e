// URLs and request targets: the strict, bounded parsing every server route and
// client connection goes through.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace cloister::net {

// An absolute http(s):// or ws(s):// URL split into what a client needs.
struct Url {
  std::string scheme;  // "http", "https", "ws" or "wss"
  std::string host;    // a name or IP literal, without IPv6 brackets
  uint16_t port = 0;   // explicit, or the scheme's default
  std::string target;  // path and query, at least "/"

  // Returns true for https and wss.
  bool secure() const { return scheme == "https" || scheme == "wss"; }
  // Returns the Host header value: host, plus ":port" when not the default.
  std::string host_header() const;
};

// Parses an absolute URL with scheme http, https, ws or wss. User info and
// fragments are refused; so are control characters and spaces.
Result<Url> parse_url(std::string_view text);

// The origin-form request target of a server request, split at '?'.
struct RequestTarget {
  std::string path;   // starts with '/', still percent-encoded
  std::string query;  // without the '?'
};

// Validates an origin-form request target ("/path?query"): it must start with
// '/', hold only visible ASCII, carry well-formed percent escapes, no
// fragment, and no "." or ".." path segments.
Result<RequestTarget> parse_request_target(std::string_view target);

// Decodes %XX escapes (and, when `plus_as_space`, '+' as a space). Fails on a
// truncated or non-hex escape, and on an encoded NUL.
Result<std::string> percent_decode(std::string_view text, bool plus_as_space = false);

// Returns `text` with every byte outside the RFC 3986 unreserved set escaped.
std::string percent_encode(std::string_view text);

// Parses "a=1&b=x%20y" into decoded pairs, in order. Keys without '=' get an
// empty value. Fails on a malformed escape.
Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query);

}  // namespace cloister::net
