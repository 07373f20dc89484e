// Fuzzes what the server does with a request's method and target before any
// handler runs: target validation, routing with parameter decoding, and query
// parsing. Input: "METHOD TARGET" (the first space splits them).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/router.h"
#include "net/url.h"

namespace {

const cloister::net::Router& router() {
  static const cloister::net::Router instance = [] {
    using cloister::net::Method;
    cloister::net::Router r;
    auto ok = [](cloister::net::HttpRequest&) { return cloister::net::HttpResponse::empty(200); };
    (void)r.add(Method::kGet, "/v1/blobs", ok);
    (void)r.add(Method::kPut, "/v1/blobs/{id}", ok);
    (void)r.add(Method::kGet, "/v1/slots/{lookup_id}", ok);
    (void)r.add(Method::kPost, "/v1/accounts/{key}/token", ok);
    (void)r.add_websocket("/v1/session", [](cloister::net::HttpRequest&) {
      return cloister::net::WebSocketUpgrade::refuse(cloister::net::HttpResponse::empty(403));
    });
    (void)r.add(Method::kGet, "/{path*}", ok);
    return r;
  }();
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t space = input.find(' ');
  std::string_view method_text = input.substr(0, space);
  std::string_view target_text = space == std::string_view::npos ? "" : input.substr(space + 1);

  auto method = cloister::net::parse_method(method_text);
  auto target = cloister::net::parse_request_target(target_text);
  if (!target.ok()) return 0;
  for (bool upgrade : {false, true}) {
    auto match = router().match(method, target->path, upgrade);
    if (match.ok() && match->outcome == cloister::net::Router::Outcome::kFound) {
      for (const auto& [name, value] : match->params) {
        // Decoded parameters never smuggle a NUL; rest parameters never
        // hold a dot segment.
        if (value.find('\0') != std::string::npos) __builtin_trap();
        if (name == "path" && (value == ".." || value.starts_with("../") ||
                               value.find("/../") != std::string::npos)) {
          __builtin_trap();
        }
      }
    }
  }
  (void)cloister::net::parse_query(target->query);
  return 0;
}
