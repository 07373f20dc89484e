// Helpers shared by the API handlers: client identity, limits, JSON bodies
// and the mapping from errors to HTTP responses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "host/api/context.h"
#include "net/http_message.h"

namespace cloister::host {

// Returns the client's address: the last entry of the configured forwarding
// header when there is one, else the socket's peer.
std::string client_address(const HostContext& context, const net::HttpRequest& request);

// Spends a token of `limiter` for `key`; returns a 429 response if none is
// left (and counts it under `name`).
std::optional<net::HttpResponse> over_limit(HostContext& context, RateLimiter& limiter,
                                            std::string_view key, std::string_view name);

// Returns the account behind the request's bearer token, or a 401 response.
Result<AccountKey> authenticate(HostContext& context, const net::HttpRequest& request);

// Parses the body as a JSON object; kMalformed says what was wrong.
Result<nlohmann::json> parse_json_object(const net::HttpRequest& request);
// Reads a base64url string field holding exactly `size` bytes (or, with
// `max_size`, 1 to max_size bytes).
Result<Bytes> read_base64url_field(const nlohmann::json& object, std::string_view name, size_t size,
                                   size_t max_size = 0);
// Reads a string field.
Result<std::string> read_string_field(const nlohmann::json& object, std::string_view name);

// A JSON response that caches nowhere.
net::HttpResponse json_response(int status, const nlohmann::json& body);
// The error response for `error`, with `status` if given, else the status
// net::http_status_for assigns to its code.
net::HttpResponse api_error(const Error& error, int status = 0);

}  // namespace cloister::host
