// The OpenAI-compatible JSON that `serve` speaks: parsing requests (untrusted
// bytes: every field is type- and range-checked) into engine calls, and
// building responses, streaming chunks and errors in OpenAI's shapes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "engine/engine.h"

namespace cloister::tools::engine_cli {

// Requests larger than this are refused before parsing.
inline constexpr size_t kMaxRequestBytes = size_t{4} << 20;

struct ChatRequest {
  std::string model;
  std::vector<engine::ChatMessage> messages;
  engine::GenerationOptions options;
  bool stream = false;
};

struct CompletionRequest {
  std::string model;
  std::string prompt;
  engine::GenerationOptions options;
  bool stream = false;
};

// Parses a /v1/chat/completions body. `defaults` supplies what the request
// leaves out. Fails with kInvalidArgument naming the offending field.
Result<ChatRequest> parse_chat_request(std::string_view body,
                                       const engine::GenerationOptions& defaults);

// Parses a /v1/completions body (a single string prompt).
Result<CompletionRequest> parse_completion_request(std::string_view body,
                                                   const engine::GenerationOptions& defaults);

struct Usage {
  uint32_t prompt_tokens = 0;
  uint32_t completion_tokens = 0;
};

// A whole chat.completion object.
std::string chat_completion_json(std::string_view id, std::string_view model, int64_t created,
                                 std::string_view text, engine::FinishReason reason,
                                 const Usage& usage);

// One chat.completion.chunk: the assistant role (first chunk), a content
// delta, or the finish reason (last chunk, with usage).
std::string chat_chunk_json(std::string_view id, std::string_view model, int64_t created,
                            std::optional<std::string_view> content, bool first,
                            std::optional<engine::FinishReason> reason, std::optional<Usage> usage);

// A whole text_completion object, and one streamed text_completion chunk.
std::string completion_json(std::string_view id, std::string_view model, int64_t created,
                            std::string_view text, engine::FinishReason reason, const Usage& usage);
std::string completion_chunk_json(std::string_view id, std::string_view model, int64_t created,
                                  std::string_view text,
                                  std::optional<engine::FinishReason> reason);

// The /v1/models list with the one served model.
std::string models_json(std::string_view model, int64_t created);

// An OpenAI error object: {"error": {"message", "type", "param", "code"}}.
std::string error_json(std::string_view message, std::string_view type,
                       std::optional<std::string_view> param = std::nullopt);

// Frames `json` as one server-sent event ("data: ...\n\n").
std::string sse_event(std::string_view json);

// The event that ends an OpenAI stream.
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

}  // namespace cloister::tools::engine_cli
