// HTTP/1.1 messages as plain values, independent of the wire library: the
// request a handler receives and the response it returns. Bodies are bounded
// by the server's limits before a handler ever sees them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace cloister::net {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

// Returns the upper-case token for `method`, e.g. "GET" ("OTHER" for kOther).
std::string_view method_name(Method method);
// Returns the method named by the case-sensitive token `name`, or kOther.
Method parse_method(std::string_view name);

// Header fields in arrival order. Names compare case-insensitively.
class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  // Returns the value of the first field called `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  // Returns true if a field called `name` is present.
  bool contains(std::string_view name) const { return get(name).has_value(); }
  // Replaces every field called `name` with one field holding `value`.
  void set(std::string_view name, std::string value);
  // Appends a field, keeping any existing ones of the same name.
  void add(std::string name, std::string value);
  // Removes every field called `name`.
  void remove(std::string_view name);

  // Returns every field in order.
  const std::vector<Field>& fields() const { return fields_; }
  // Returns the number of fields.
  size_t size() const { return fields_.size(); }

 private:
  std::vector<Field> fields_;
};

// Returns true if `a` and `b` are equal ignoring ASCII case.
bool equals_ignore_case(std::string_view a, std::string_view b);

// A request as a handler sees it. `path` is the undecoded path of the target
// and `query` what follows its '?'; route parameters are already decoded.
struct HttpRequest {
  Method method = Method::kGet;
  std::string target;  // the raw request-target, e.g. "/v1/blobs?since=3"
  std::string path;    // "/v1/blobs"
  std::string query;   // "since=3"
  Headers headers;
  std::string body;
  std::string remote_address;                               // the peer's IP address as text
  std::vector<std::pair<std::string, std::string>> params;  // decoded route parameters

  // Returns the decoded route parameter `name`, or an empty view if absent.
  std::string_view param(std::string_view name) const;
  // Returns the decoded value of query parameter `name`, or nullopt if absent
  // or not validly percent-encoded.
  std::optional<std::string> query_param(std::string_view name) const;
  // Returns the token of an "Authorization: Bearer <token>" header, or nullopt.
  std::optional<std::string_view> bearer_token() const;
};

class ResponseStream;

// Produces a streamed response body. It runs on a handler thread and may keep
// (copies of) the stream to write from elsewhere; the body ends when the last
// copy is dropped or finish() is called.
using StreamProducer = std::function<void(std::shared_ptr<ResponseStream>)>;

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, `body` is ignored: the server sends the head with chunked
  // transfer coding, then whatever the producer writes.
  StreamProducer stream;

  // A response with `body` and the given Content-Type.
  static HttpResponse text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
  // A response whose body is already-serialized JSON.
  static HttpResponse json(int status, std::string json_text);
  // A response with no body (e.g. 204).
  static HttpResponse empty(int status);
  // A chunked response whose body comes from `producer`.
  static HttpResponse chunked(std::string content_type, StreamProducer producer);
  // A Server-Sent Events response (text/event-stream, no caching).
  static HttpResponse event_stream(StreamProducer producer);
};

// Returns a JSON error response: {"error":{"type":TYPE,"message":MESSAGE}}.
HttpResponse json_error(int status, std::string_view type, std::string_view message);
// Returns the JSON error response for `error`, with the status that
// http_status_for assigns to its code.
HttpResponse error_response(const Error& error);
// Returns the HTTP status that best describes an error of kind `code`.
int http_status_for(ErrorCode code);
// Returns the standard reason phrase for `status`, or "Unknown".
std::string_view reason_phrase(int status);

}  // namespace cloister::net
