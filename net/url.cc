#include "net/url.h"

#include <charconv>

namespace cloister::net {
namespace {

Error malformed(std::string_view what, std::string_view problem) {
  return Error(ErrorCode::kMalformed, std::string(what) + ": " + std::string(problem));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_visible_ascii(char c) { return c > 0x20 && c < 0x7f; }

uint16_t default_port(std::string_view scheme) {
  return (scheme == "https" || scheme == "wss") ? 443 : 80;
}

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string Url::host_header() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != default_port(scheme)) out += ":" + std::to_string(port);
  return out;
}

Result<Url> parse_url(std::string_view text) {
  for (char c : text) {
    if (!is_visible_ascii(c)) return malformed("url", "contains a space or control character");
  }
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return malformed("url", "has no scheme");
  Url url;
  for (char c : text.substr(0, scheme_end)) {
    url.scheme.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  if (url.scheme != "http" && url.scheme != "https" && url.scheme != "ws" && url.scheme != "wss") {
    return malformed("url", "scheme '" + url.scheme + "' is not http, https, ws or wss");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) return malformed("url", "has a fragment");
  size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return malformed("url", "has user info");

  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return malformed("url", "unterminated IPv6 literal");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return malformed("url", "junk after IPv6 literal");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (url.host.empty()) return malformed("url", "has no host");
  url.port = default_port(url.scheme);
  if (has_port) {
    unsigned port = 0;
    auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
        port == 0 || port > 65535) {
      return malformed("url", "port '" + std::string(port_text) + "' is not 1-65535");
    }
    url.port = static_cast<uint16_t>(port);
  }
  url.target = target.empty() ? "/" : std::string(target);
  if (url.target.front() == '?') url.target.insert(url.target.begin(), '/');
  return url;
}

Result<RequestTarget> parse_request_target(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return malformed("request target", "must start with '/'");
  }
  for (size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (!is_visible_ascii(c)) {
      return malformed("request target", "holds a space or control character");
    }
    if (c == '#') return malformed("request target", "holds a fragment");
    if (c == '%') {
      if (i + 2 >= target.size() || hex_value(target[i + 1]) < 0 || hex_value(target[i + 2]) < 0) {
        return malformed("request target", "has a malformed percent escape");
      }
    }
  }
  size_t question = target.find('?');
  RequestTarget out;
  out.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) out.query = std::string(target.substr(question + 1));

  // Dot segments (also encoded ones) could walk out of a static directory.
  std::string_view path = out.path;
  while (!path.empty()) {
    path.remove_prefix(1);  // the '/'
    size_t end = path.find('/');
    std::string_view segment = path.substr(0, end);
    auto decoded = percent_decode(segment);
    if (!decoded.ok()) return malformed("request target", decoded.error().message());
    if (*decoded == "." || *decoded == "..") {
      return malformed("request target", "holds a '.' or '..' path segment");
    }
    if (end == std::string_view::npos) break;
    path.remove_prefix(end);
  }
  return out;
}

Result<std::string> percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return malformed("percent escape", "truncated");
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return malformed("percent escape", "not hexadecimal");
      char decoded = static_cast<char>(high * 16 + low);
      if (decoded == '\0') return malformed("percent escape", "encodes NUL");
      out.push_back(decoded);
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (is_unreserved(c)) {
      out.push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    CLOISTER_ASSIGN_OR_RETURN(std::string key, percent_decode(item.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      CLOISTER_ASSIGN_OR_RETURN(value, percent_decode(item.substr(eq + 1), true));
    }
    pairs.emplace_back(std::move(key), std::move(value));
  }
  return pairs;
}

}  // namespace cloister::net
