#include "net/http_message.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "net/url.h"

namespace cloister::net {
namespace {

constexpr std::array<std::pair<Method, std::string_view>, 7> kMethodNames = {{
    {Method::kGet, "GET"},
    {Method::kHead, "HEAD"},
    {Method::kPost, "POST"},
    {Method::kPut, "PUT"},
    {Method::kDelete, "DELETE"},
    {Method::kPatch, "PATCH"},
    {Method::kOptions, "OPTIONS"},
}};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string_view method_name(Method method) {
  for (const auto& [m, name] : kMethodNames) {
    if (m == method) return name;
  }
  return "OTHER";
}

Method parse_method(std::string_view name) {
  for (const auto& [m, text] : kMethodNames) {
    if (text == name) return m;
  }
  return Method::kOther;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [field, value] : fields_) {
    if (equals_ignore_case(field, name)) return std::string_view(value);
  }
  return std::nullopt;
}

void Headers::set(std::string_view name, std::string value) {
  remove(name);
  fields_.emplace_back(std::string(name), std::move(value));
}

void Headers::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  std::erase_if(fields_, [&](const Field& field) { return equals_ignore_case(field.first, name); });
}

std::string_view HttpRequest::param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return {};
}

std::optional<std::string> HttpRequest::query_param(std::string_view name) const {
  auto pairs = parse_query(query);
  if (!pairs.ok()) return std::nullopt;
  for (auto& [key, value] : *pairs) {
    if (key == name) return std::move(value);
  }
  return std::nullopt;
}

std::optional<std::string_view> HttpRequest::bearer_token() const {
  auto authorization = headers.get("Authorization");
  if (!authorization) return std::nullopt;
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization->size() <= kScheme.size() ||
      !equals_ignore_case(authorization->substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  return authorization->substr(kScheme.size());
}

HttpResponse HttpResponse::text(int status, std::string body, std::string content_type) {
  HttpResponse response;
  response.status = status;
  response.headers.set("Content-Type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

HttpResponse HttpResponse::json(int status, std::string json_text) {
  return text(status, std::move(json_text), "application/json");
}

HttpResponse HttpResponse::empty(int status) {
  HttpResponse response;
  response.status = status;
  return response;
}

HttpResponse HttpResponse::chunked(std::string content_type, StreamProducer producer) {
  HttpResponse response;
  response.headers.set("Content-Type", std::move(content_type));
  response.stream = std::move(producer);
  return response;
}

HttpResponse HttpResponse::event_stream(StreamProducer producer) {
  HttpResponse response = chunked("text/event-stream", std::move(producer));
  response.headers.set("Cache-Control", "no-cache");
  // Tells buffering reverse proxies (nginx) to pass events through at once.
  response.headers.set("X-Accel-Buffering", "no");
  return response;
}

HttpResponse json_error(int status, std::string_view type, std::string_view message) {
  nlohmann::json body = {{"error", {{"type", type}, {"message", message}}}};
  // Replacement keeps invalid UTF-8 in a message from throwing.
  return HttpResponse::json(status,
                            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

HttpResponse error_response(const Error& error) {
  return json_error(http_status_for(error.code()), error_code_name(error.code()), error.message());
}

int http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed: return 400;
    case ErrorCode::kUnsupported: return 415;
    case ErrorCode::kRejected: return 401;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kFailedPrecondition: return 428;
    case ErrorCode::kResourceExhausted: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kDeadlineExceeded: return 504;
    case ErrorCode::kCancelled: return 499;
    case ErrorCode::kIo:
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 499: return "Client Closed Request";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 507: return "Insufficient Storage";
    default: return "Unknown";
  }
}

}  // namespace cloister::net
