#include "host/api/api_support.h"

#include "base/encoding.h"

namespace cloister::host {

std::string client_address(const HostContext& context, const net::HttpRequest& request) {
  if (!context.config.client_ip_header.empty()) {
    if (auto forwarded = request.headers.get(context.config.client_ip_header)) {
      // The proxy appends the address it saw; earlier entries are the client's claims.
      std::string_view value = *forwarded;
      size_t comma = value.rfind(',');
      std::string_view last = comma == std::string_view::npos ? value : value.substr(comma + 1);
      while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
      while (!last.empty() && last.back() == ' ') last.remove_suffix(1);
      if (!last.empty()) return std::string(last);
    }
  }
  return request.remote_address;
}

std::optional<net::HttpResponse> over_limit(HostContext& context, RateLimiter& limiter,
                                            std::string_view key, std::string_view name) {
  if (limiter.allow(key)) return std::nullopt;
  context.metrics.count_limited(name);
  net::HttpResponse response =
      net::json_error(429, "resource_exhausted", "rate limit reached (" + std::string(name) + ")");
  response.headers.set("Retry-After", "1");
  return response;
}

Result<AccountKey> authenticate(HostContext& context, const net::HttpRequest& request) {
  auto token = request.bearer_token();
  if (!token) {
    return Error(ErrorCode::kRejected, "this request needs an Authorization: Bearer token");
  }
  return context.accounts.authenticate(*token);
}

Result<nlohmann::json> parse_json_object(const net::HttpRequest& request) {
  auto parsed = nlohmann::json::parse(request.body, nullptr, false);
  if (parsed.is_discarded()) return Error(ErrorCode::kMalformed, "request body is not valid JSON");
  if (!parsed.is_object())
    return Error(ErrorCode::kMalformed, "request body must be a JSON object");
  return parsed;
}

Result<std::string> read_string_field(const nlohmann::json& object, std::string_view name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return Error(ErrorCode::kMalformed, "field '" + std::string(name) + "' must be a string");
  }
  return it->get<std::string>();
}

Result<Bytes> read_base64url_field(const nlohmann::json& object, std::string_view name, size_t size,
                                   size_t max_size) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_string_field(object, name));
  auto bytes = base64url_decode(text);
  if (!bytes.ok()) {
    return Error(ErrorCode::kMalformed, "field '" + std::string(name) + "' is not base64url");
  }
  bool fits = max_size > 0 ? (!bytes->empty() && bytes->size() <= max_size) : bytes->size() == size;
  if (!fits) {
    return Error(ErrorCode::kMalformed,
                 "field '" + std::string(name) + "' must hold " +
                     (max_size > 0 ? "1 to " + std::to_string(max_size) : std::to_string(size)) +
                     " bytes");
  }
  return bytes;
}

net::HttpResponse json_response(int status, const nlohmann::json& body) {
  net::HttpResponse response = net::HttpResponse::json(status, body.dump());
  response.headers.set("Cache-Control", "no-store");
  return response;
}

net::HttpResponse api_error(const Error& error, int status) {
  if (status == 0) status = net::http_status_for(error.code());
  net::HttpResponse response =
      net::json_error(status, error_code_name(error.code()), error.message());
  response.headers.set("Cache-Control", "no-store");
  if (status == 401) response.headers.set("WWW-Authenticate", "Bearer");
  return response;
}

}  // namespace cloister::host
