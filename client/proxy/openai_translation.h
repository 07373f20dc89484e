// Translation between OpenAI's HTTP API (platform.openai.com/docs/api-reference/chat)
// and the enclave's chat API (docs/protocol.md §16): requests are wrapped
// byte for byte (the receipt covers exactly what the client sent), and the
// enclave's start, delta and end bodies become chat.completion objects,
// chat.completion.chunk events and OpenAI error objects. Every enclave body is
// untrusted input and is type-checked before use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cloister::client::proxy {

// Requests larger than this are refused before parsing (the enclave's own limit).
inline constexpr size_t kMaxRequestBytes = size_t{4} << 20;

// A /v1/chat/completions body, ready for the enclave.
struct ForwardedRequest {
  std::string body;  // {"method":"chat.completions","params":<the client's bytes>}
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

// Wraps an OpenAI request body. Fails with kInvalidArgument when it is not a
// JSON object or `stream` is not a boolean; everything else is the enclave's
// to check.
Result<ForwardedRequest> wrap_chat_request(std::string_view openai_body);

// The chat API request that lists the served models.
std::string models_request();

// The response-start of a chat.completions response.
struct CompletionStart {
  std::string id;
  std::string model;
  int64_t created = 0;
};

// The response-end of a chat.completions response.
struct CompletionEnd {
  std::string finish_reason;  // "stop" or "length"
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  std::string receipt_base64;
  std::optional<std::string> content;  // present when not streaming
};

// Parses a response-start body. Fails with kMalformed on a missing or mistyped field.
Result<CompletionStart> parse_start(std::string_view body);
// Parses a stream-delta body and returns its content.
Result<std::string> parse_delta(std::string_view body);
// Parses a response-end body.
Result<CompletionEnd> parse_end(std::string_view body);

// The first chunk of a stream: the assistant role, no content.
std::string role_chunk(const CompletionStart& start);
// A chunk carrying one piece of content.
std::string content_chunk(const CompletionStart& start, std::string_view content);
// The chunk carrying the finish reason. With `include_usage` false it is the
// last chunk and carries the receipt as "cloister_receipt"; with it true the
// receipt goes on usage_chunk instead.
std::string finish_chunk(const CompletionStart& start, const CompletionEnd& end,
                         bool include_usage);
// The extra last chunk that stream_options.include_usage asks for: no
// choices, the usage and the receipt.
std::string usage_chunk(const CompletionStart& start, const CompletionEnd& end);
// A whole chat.completion object (non-streaming), with the receipt as
// "cloister_receipt".
std::string completion_object(const CompletionStart& start, const CompletionEnd& end);

// Translates a models.list response-end into OpenAI's model list. Fails with
// kMalformed if `body` is not the enclave's shape.
Result<std::string> models_list(std::string_view end_body);

// An OpenAI-shaped error with the HTTP status to send it with.
struct OpenAiError {
  int status = 500;
  std::string body;        // {"error":{"message","type","param","code"}}
  bool retryable = false;  // sets "x-should-retry", which OpenAI's SDKs honour
};

// Maps an enclave stream error (§16.3) to OpenAI's status, type and code.
OpenAiError map_enclave_error(uint16_t code, std::string_view reason);
// The enclave could not be verified: 502, type "cloister_verification_failed",
// never retried (retrying cannot make bad evidence good).
OpenAiError verification_failed(std::string_view why);
// The enclave could not be reached: 503, type "cloister_unavailable", retryable.
OpenAiError enclave_unavailable(std::string_view why);
// A request the proxy refuses itself: 400, type "invalid_request_error".
OpenAiError invalid_request(std::string_view why);
// Returns an OpenAI error object body.
std::string error_body(std::string_view message, std::string_view type,
                       std::optional<std::string_view> code = std::nullopt);

// Frames `json` as one server-sent event ("data: ...\n\n").
std::string sse_data(std::string_view json);
// The event that ends an OpenAI stream.
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

}  // namespace cloister::client::proxy
