// A conversation as the client keeps it: the messages, with each answer's
// receipt, plus a title, a folder and a system prompt. It is serialized as
// JSON and sealed with blob_cipher before it reaches the host.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace cloister::client {

struct HistoryMessage {
  std::string role;  // "user" or "assistant"
  std::string content;
  int64_t at_ms = 0;
  std::string receipt;  // base64 receipt of an assistant message, when it completed
  bool operator==(const HistoryMessage&) const = default;
};

struct Conversation {
  std::string id;  // the blob id, "conv-<hex>"
  std::string title;
  std::string folder;
  std::string system;  // the system prompt, empty for none
  std::vector<HistoryMessage> messages;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  uint64_t version = 0;  // the host's version this copy was read as (0: never stored)
};

// Returns a fresh conversation id.
std::string new_conversation_id();
// Returns true if `id` looks like a conversation's blob id.
bool is_conversation_id(std::string_view id);

// Returns the conversation as JSON (without its version).
nlohmann::json conversation_to_json(const Conversation& conversation);
// Parses what conversation_to_json produced; kMalformed on anything else.
Result<Conversation> conversation_from_json(const nlohmann::json& value);
// Returns the chat.completions messages: the system prompt, then the turns.
nlohmann::json chat_messages(const Conversation& conversation);
// Returns a title made from the first user message.
std::string title_from(std::string_view text);

}  // namespace cloister::client
