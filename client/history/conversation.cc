#include "client/history/conversation.h"

#include "base/encoding.h"
#include "base/json_fields.h"
#include "crypto/random.h"

namespace cloister::client {
namespace {

using nlohmann::json;

constexpr std::string_view kIdPrefix = "conv-";

Error malformed(const std::string& what) {
  return Error(ErrorCode::kMalformed, "conversation: " + what);
}

Result<std::string> string_field(const json& value, const char* name, bool required = false) {
  if (!value.contains(name)) {
    if (required) return malformed(std::string(name) + " is missing");
    return std::string();
  }
  if (!value[name].is_string()) return malformed(std::string(name) + " must be a string");
  return value[name].get<std::string>();
}

Result<int64_t> int_field(const json& value, const char* name) {
  if (!value.contains(name)) return int64_t{0};
  if (!value[name].is_number_integer()) return malformed(std::string(name) + " must be an integer");
  return value[name].get<int64_t>();
}

}  // namespace

std::string new_conversation_id() {
  return std::string(kIdPrefix) + hex_encode(crypto::random_bytes(12));
}

bool is_conversation_id(std::string_view id) {
  if (!id.starts_with(kIdPrefix) || id.size() != kIdPrefix.size() + 24) return false;
  for (char c : id.substr(kIdPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

json conversation_to_json(const Conversation& conversation) {
  json messages = json::array();
  for (const HistoryMessage& message : conversation.messages) {
    json item{{"role", message.role}, {"content", message.content}, {"at_ms", message.at_ms}};
    if (!message.receipt.empty()) item["receipt"] = message.receipt;
    messages.push_back(item);
  }
  return json{{"format", "cloister/conversation/v1"},  {"id", conversation.id},
              {"title", conversation.title},           {"folder", conversation.folder},
              {"system", conversation.system},         {"created_ms", conversation.created_ms},
              {"updated_ms", conversation.updated_ms}, {"messages", messages}};
}

Result<Conversation> conversation_from_json(const json& value) {
  if (string_member(value, "format") != "cloister/conversation/v1") {
    return malformed("not a cloister conversation");
  }
  Conversation conversation;
  CLOISTER_ASSIGN_OR_RETURN(conversation.id, string_field(value, "id", true));
  if (!is_conversation_id(conversation.id)) return malformed("bad id");
  CLOISTER_ASSIGN_OR_RETURN(conversation.title, string_field(value, "title"));
  CLOISTER_ASSIGN_OR_RETURN(conversation.folder, string_field(value, "folder"));
  CLOISTER_ASSIGN_OR_RETURN(conversation.system, string_field(value, "system"));
  CLOISTER_ASSIGN_OR_RETURN(conversation.created_ms, int_field(value, "created_ms"));
  CLOISTER_ASSIGN_OR_RETURN(conversation.updated_ms, int_field(value, "updated_ms"));
  if (!value.contains("messages") || !value["messages"].is_array()) {
    return malformed("messages must be an array");
  }
  for (const json& item : value["messages"]) {
    if (!item.is_object()) return malformed("a message must be an object");
    HistoryMessage message;
    CLOISTER_ASSIGN_OR_RETURN(message.role, string_field(item, "role", true));
    if (message.role != "user" && message.role != "assistant") return malformed("bad role");
    CLOISTER_ASSIGN_OR_RETURN(message.content, string_field(item, "content", true));
    CLOISTER_ASSIGN_OR_RETURN(message.at_ms, int_field(item, "at_ms"));
    CLOISTER_ASSIGN_OR_RETURN(message.receipt, string_field(item, "receipt"));
    conversation.messages.push_back(std::move(message));
  }
  return conversation;
}

json chat_messages(const Conversation& conversation) {
  json messages = json::array();
  if (!conversation.system.empty()) {
    messages.push_back({{"role", "system"}, {"content", conversation.system}});
  }
  for (const HistoryMessage& message : conversation.messages) {
    messages.push_back({{"role", message.role}, {"content", message.content}});
  }
  return messages;
}

std::string title_from(std::string_view text) {
  std::string title;
  for (char c : text) {
    if (title.size() >= 60) break;
    title += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  // Do not cut a UTF-8 sequence in half (when cut, drop the last character).
  if (text.size() > title.size()) {
    while (!title.empty() && (static_cast<unsigned char>(title.back()) & 0xC0) == 0x80)
      title.pop_back();
    if (!title.empty() && (static_cast<unsigned char>(title.back()) & 0x80)) title.pop_back();
  }
  while (!title.empty() && title.back() == ' ') title.pop_back();
  return title.empty() ? "(untitled)" : title;
}

}  // namespace cloister::client
