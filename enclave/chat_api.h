// The application payloads inside a session (docs/protocol.md, "Chat API"):
// parsing a request body, which is untrusted JSON, into a typed request, and
// building the JSON bodies of response-start, stream-delta and response-end.
//
// Content never appears in an error: every message this file produces names
// the offending field (e.g. "params.messages[2].role") and says what is wrong
// with it, without quoting the value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "crypto/hash.h"
#include "engine/chat_template.h"
#include "engine/engine.h"

namespace cloister::enclave {

inline constexpr std::string_view kMethodChatCompletions = "chat.completions";
inline constexpr std::string_view kMethodModelsList = "models.list";

// Bounds on a request, beyond the session's own (16 MiB per message).
inline constexpr size_t kMaxRequestNesting = 16;  // arrays and objects inside each other
inline constexpr size_t kMaxMessages = 4096;
inline constexpr size_t kMaxStopStrings = 4;
inline constexpr size_t kMaxStopBytes = 256;
inline constexpr uint32_t kMaxRequestedTokens = 1u << 20;

enum class ApiMethod { kChatCompletions, kModelsList };

// What a chat.completions request asks of the sampler.
struct SamplingRequest {
  double temperature = 1.0;            // 0..2; 0 is greedy
  double top_p = 1.0;                  // 0..1; 1 is off
  std::optional<uint32_t> max_tokens;  // unset: the enclave's limit
  std::vector<std::string> stop;       // at most 4, each 1..256 bytes
  std::optional<uint64_t> seed;        // unset: random
};

struct ChatRequest {
  std::string model;  // empty: the served model
  std::vector<engine::ChatMessage> messages;
  SamplingRequest sampling;
  bool stream = false;
};

struct ApiRequest {
  ApiMethod method = ApiMethod::kChatCompletions;
  ChatRequest chat;  // kChatCompletions only
};

// Parses a request body of at most `max_bytes`. Fails with kInvalidArgument
// (malformed or out-of-range fields), kUnsupported (an unknown method or a
// feature the enclave does not implement) or kResourceExhausted (too large or
// too deeply nested).
Result<ApiRequest> parse_api_request(ByteSpan body, size_t max_bytes);

// Application error codes on stream error frames (wire codes 0x0100 and up).
enum class ChatErrorCode : uint16_t {
  kInvalidRequest = 0x0100,
  kUnknownMethod = 0x0101,
  kModelNotFound = 0x0102,
  kContextLengthExceeded = 0x0103,
  kOverloaded = 0x0104,
  kTooManyRequests = 0x0105,
  kSlowReader = 0x0106,
  kEngineFailure = 0x0107,
};

// Returns the stable name of `code`, e.g. "invalid_request", for metrics and logs.
std::string_view chat_error_name(ChatErrorCode code);

// A failed request as the client sees it: a code, and a reason the enclave
// wrote itself (never the client's content).
struct ChatFailure {
  ChatErrorCode code = ChatErrorCode::kEngineFailure;
  std::string reason;
};

// Returns the failure for a parse_api_request error.
ChatFailure failure_from_parse_error(const Error& error);

// Returns `text` with every ill-formed UTF-8 sequence replaced by U+FFFD, so
// that what is hashed into a receipt is exactly what JSON carries.
std::string to_valid_utf8(std::string_view text);

// Returns a fresh random completion id, "chatcmpl-" and 24 hex digits.
std::string new_completion_id();

struct Usage {
  uint32_t prompt_tokens = 0;
  uint32_t completion_tokens = 0;
};

// chat.completions response-start: {"created","id","model","object":"chat.completion"}.
std::string chat_response_start_json(std::string_view id, std::string_view model, int64_t created);
// chat.completions stream-delta: {"content": piece}.
std::string chat_delta_json(std::string_view content);
// chat.completions response-end: finish_reason, usage, the whole content when
// the request did not stream, and the receipt (base64).
std::string chat_response_end_json(engine::FinishReason reason, const Usage& usage,
                                   const std::optional<std::string>& content, ByteSpan receipt);

// One model the enclave serves, as models.list reports it.
struct ModelEntry {
  std::string id;
  crypto::Sha256Digest sha256{};
  int64_t created = 0;
};

// models.list response-start: {"object":"list"}.
std::string models_response_start_json();
// models.list response-end: {"data":[{"created","id","object":"model","owned_by","sha256"}]}.
std::string models_response_end_json(const std::vector<ModelEntry>& models);

}  // namespace cloister::enclave
