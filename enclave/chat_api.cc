#include "enclave/chat_api.h"

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "crypto/random.h"

namespace cloister::enclave {
namespace {

using nlohmann::json;

constexpr size_t kMaxModelNameBytes = 256;

Error bad(std::string_view field, std::string_view problem) {
  return Error(ErrorCode::kInvalidArgument, std::string(field) + " " + std::string(problem));
}

Error unsupported(std::string_view field) {
  return Error(ErrorCode::kUnsupported, std::string(field) + " is not supported by this enclave");
}

// Refuses input nested deeper than the limit before a JSON parser sees it.
Status check_nesting(ByteSpan body) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (uint8_t c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxRequestNesting) {
        return Error(ErrorCode::kResourceExhausted,
                     "the request nests arrays and objects more than 16 deep");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return ok_status();
}

const json* member(const json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<double> number_field(const json& params, std::string_view key, double low, double high,
                            double fallback) {
  const json* value = member(params, key);
  if (value == nullptr) return fallback;
  const std::string field = "params." + std::string(key);
  if (!value->is_number()) return bad(field, "must be a number");
  const double number = value->get<double>();
  if (!(number >= low && number <= high)) {
    return bad(field, "must be between " + json(low).dump() + " and " + json(high).dump());
  }
  return number;
}

// Accepts fields OpenAI clients send that change nothing when left at their
// neutral value, and refuses them otherwise rather than silently ignoring them.
Status check_neutral_fields(const json& params) {
  for (std::string_view key :
       {"tools", "tool_choice", "functions", "function_call", "response_format", "logit_bias",
        "top_logprobs", "parallel_tool_calls", "audio", "modalities", "prediction"}) {
    if (member(params, key) != nullptr) return unsupported("params." + std::string(key));
  }
  if (const json* logprobs = member(params, "logprobs");
      logprobs != nullptr && !(logprobs->is_boolean() && !logprobs->get<bool>())) {
    return unsupported("params.logprobs");
  }
  if (const json* n = member(params, "n");
      n != nullptr && !(n->is_number_integer() && n->get<int64_t>() == 1)) {
    return unsupported("params.n other than 1");
  }
  for (std::string_view key : {"frequency_penalty", "presence_penalty"}) {
    const json* penalty = member(params, key);
    if (penalty == nullptr) continue;
    if (!penalty->is_number()) return bad("params." + std::string(key), "must be a number");
    if (penalty->get<double>() != 0)
      return unsupported("params." + std::string(key) + " other than 0");
  }
  return ok_status();
}

Result<std::string> message_content(const json* content, const std::string& field) {
  if (content == nullptr) return std::string();
  if (content->is_string()) return content->get<std::string>();
  if (!content->is_array()) return bad(field, "must be a string or an array of text parts");
  std::string text;
  for (size_t i = 0; i < content->size(); ++i) {
    const json& part = (*content)[i];
    const std::string part_field = field + "[" + std::to_string(i) + "]";
    if (!part.is_object()) return bad(part_field, "must be an object");
    const json* type = member(part, "type");
    if (type == nullptr || !type->is_string()) return bad(part_field + ".type", "must be a string");
    if (type->get<std::string>() != "text") return unsupported(part_field + " (only text parts)");
    const json* part_text = member(part, "text");
    if (part_text == nullptr || !part_text->is_string()) {
      return bad(part_field + ".text", "must be a string");
    }
    text += part_text->get<std::string>();
  }
  return text;
}

Result<engine::ChatMessage> parse_message(const json& message, size_t index) {
  const std::string field = "params.messages[" + std::to_string(index) + "]";
  if (!message.is_object()) return bad(field, "must be an object");
  for (const auto& [key, value] : message.items()) {
    if (key == "role" || key == "content" || key == "name") continue;
    if (value.is_null()) continue;
    return unsupported(field + " with members other than role, content and name");
  }
  const json* role = member(message, "role");
  if (role == nullptr || !role->is_string()) return bad(field + ".role", "must be a string");
  engine::ChatMessage parsed;
  parsed.role = role->get<std::string>();
  if (parsed.role == "developer") parsed.role = "system";
  if (parsed.role != "system" && parsed.role != "user" && parsed.role != "assistant") {
    return bad(field + ".role", "must be system, developer, user or assistant");
  }
  if (const json* name = member(message, "name"); name != nullptr && !name->is_string()) {
    return bad(field + ".name", "must be a string");
  }
  CLOISTER_ASSIGN_OR_RETURN(parsed.content,
                            message_content(member(message, "content"), field + ".content"));
  return parsed;
}

Result<SamplingRequest> parse_sampling(const json& params) {
  SamplingRequest sampling;
  CLOISTER_ASSIGN_OR_RETURN(sampling.temperature,
                            number_field(params, "temperature", 0, 2, sampling.temperature));
  CLOISTER_ASSIGN_OR_RETURN(sampling.top_p, number_field(params, "top_p", 0, 1, sampling.top_p));
  for (std::string_view key : {"max_tokens", "max_completion_tokens"}) {
    const json* value = member(params, key);
    if (value == nullptr) continue;
    const std::string field = "params." + std::string(key);
    if (!value->is_number_integer()) return bad(field, "must be an integer");
    const bool in_range =
        value->is_number_unsigned()
            ? value->get<uint64_t>() >= 1 && value->get<uint64_t>() <= kMaxRequestedTokens
            : value->get<int64_t>() >= 1 && value->get<int64_t>() <= kMaxRequestedTokens;
    if (!in_range)
      return bad(field, "must be between 1 and " + std::to_string(kMaxRequestedTokens));
    sampling.max_tokens = static_cast<uint32_t>(value->get<uint64_t>());
  }
  if (const json* seed = member(params, "seed")) {
    if (!seed->is_number_integer()) return bad("params.seed", "must be an integer");
    sampling.seed = seed->is_number_unsigned() ? seed->get<uint64_t>()
                                               : static_cast<uint64_t>(seed->get<int64_t>());
  }
  if (const json* stop = member(params, "stop")) {
    if (stop->is_string()) {
      sampling.stop.push_back(stop->get<std::string>());
    } else if (stop->is_array() && stop->size() <= kMaxStopStrings) {
      for (const json& entry : *stop) {
        if (!entry.is_string()) return bad("params.stop", "must hold only strings");
        sampling.stop.push_back(entry.get<std::string>());
      }
    } else {
      return bad("params.stop", "must be a string or an array of at most 4 strings");
    }
    for (const std::string& entry : sampling.stop) {
      if (entry.empty() || entry.size() > kMaxStopBytes) {
        return bad("params.stop", "strings must be 1 to 256 bytes long");
      }
    }
  }
  return sampling;
}

Result<ChatRequest> parse_chat(const json* params) {
  if (params == nullptr || !params->is_object()) return bad("params", "must be an object");
  CLOISTER_TRY(check_neutral_fields(*params));
  ChatRequest request;
  if (const json* model = member(*params, "model")) {
    if (!model->is_string() || model->get_ref<const std::string&>().size() > kMaxModelNameBytes) {
      return bad("params.model", "must be a string of at most 256 bytes");
    }
    request.model = model->get<std::string>();
  }
  if (const json* stream = member(*params, "stream")) {
    if (!stream->is_boolean()) return bad("params.stream", "must be true or false");
    request.stream = stream->get<bool>();
  }
  if (const json* user = member(*params, "user"); user != nullptr && !user->is_string()) {
    return bad("params.user", "must be a string");
  }
  CLOISTER_ASSIGN_OR_RETURN(request.sampling, parse_sampling(*params));
  const json* messages = member(*params, "messages");
  if (messages == nullptr || !messages->is_array() || messages->empty()) {
    return bad("params.messages", "must be a non-empty array");
  }
  if (messages->size() > kMaxMessages) return bad("params.messages", "has more than 4096 entries");
  request.messages.reserve(messages->size());
  for (size_t i = 0; i < messages->size(); ++i) {
    CLOISTER_ASSIGN_OR_RETURN(engine::ChatMessage message, parse_message((*messages)[i], i));
    request.messages.push_back(std::move(message));
  }
  return request;
}

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Returns the length of the well-formed UTF-8 sequence at the start of
// `text`, or 0 if it is ill-formed (RFC 3629, table 3-7 of Unicode).
size_t valid_sequence_length(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint8_t low = 0x80;
  uint8_t high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

Result<ApiRequest> parse_api_request(ByteSpan body, size_t max_bytes) {
  if (body.size() > max_bytes) {
    return Error(ErrorCode::kResourceExhausted,
                 "the request is larger than " + std::to_string(max_bytes) + " bytes");
  }
  CLOISTER_TRY(check_nesting(body));
  json envelope = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (envelope.is_discarded()) return bad("the request", "is not valid JSON (UTF-8)");
  if (!envelope.is_object()) return bad("the request", "must be a JSON object");
  for (const auto& [key, value] : envelope.items()) {
    if (key != "method" && key != "params") {
      return bad("the request", "has a member other than method and params");
    }
  }
  const json* method = member(envelope, "method");
  if (method == nullptr || !method->is_string()) return bad("method", "must be a string");
  ApiRequest request;
  const std::string& name = method->get_ref<const std::string&>();
  if (name == kMethodChatCompletions) {
    request.method = ApiMethod::kChatCompletions;
    CLOISTER_ASSIGN_OR_RETURN(request.chat, parse_chat(member(envelope, "params")));
  } else if (name == kMethodModelsList) {
    request.method = ApiMethod::kModelsList;
    const json* params = member(envelope, "params");
    if (params != nullptr && !(params->is_object() && params->empty())) {
      return bad("params", "must be absent or {} for models.list");
    }
  } else {
    return Error(ErrorCode::kUnsupported, "method names no method this enclave implements");
  }
  return request;
}

std::string_view chat_error_name(ChatErrorCode code) {
  switch (code) {
    case ChatErrorCode::kInvalidRequest: return "invalid_request";
    case ChatErrorCode::kUnknownMethod: return "unknown_method";
    case ChatErrorCode::kModelNotFound: return "model_not_found";
    case ChatErrorCode::kContextLengthExceeded: return "context_length_exceeded";
    case ChatErrorCode::kOverloaded: return "overloaded";
    case ChatErrorCode::kTooManyRequests: return "too_many_requests";
    case ChatErrorCode::kSlowReader: return "slow_reader";
    case ChatErrorCode::kEngineFailure: return "engine_failure";
  }
  return "engine_failure";
}

ChatFailure failure_from_parse_error(const Error& error) {
  const bool unknown_method =
      error.code() == ErrorCode::kUnsupported && error.message().starts_with("method ");
  return {unknown_method ? ChatErrorCode::kUnknownMethod : ChatErrorCode::kInvalidRequest,
          error.message()};
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    size_t length = valid_sequence_length(text);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      length = 1;
    } else {
      out.append(text.substr(0, length));
    }
    text.remove_prefix(length);
  }
  return out;
}

std::string new_completion_id() { return "chatcmpl-" + hex_encode(crypto::random_bytes(12)); }

std::string chat_response_start_json(std::string_view id, std::string_view model, int64_t created) {
  return dump({{"id", std::string(id)},
               {"object", "chat.completion"},
               {"created", created},
               {"model", std::string(model)}});
}

std::string chat_delta_json(std::string_view content) {
  return dump({{"content", std::string(content)}});
}

std::string chat_response_end_json(engine::FinishReason reason, const Usage& usage,
                                   const std::optional<std::string>& content, ByteSpan receipt) {
  json end = {{"finish_reason", std::string(engine::finish_reason_name(reason))},
              {"usage",
               {{"prompt_tokens", usage.prompt_tokens},
                {"completion_tokens", usage.completion_tokens},
                {"total_tokens", usage.prompt_tokens + usage.completion_tokens}}},
              {"receipt", base64_encode(receipt)}};
  if (content) end["content"] = *content;
  return dump(end);
}

std::string models_response_start_json() { return dump({{"object", "list"}}); }

std::string models_response_end_json(const std::vector<ModelEntry>& models) {
  json data = json::array();
  for (const ModelEntry& model : models) {
    data.push_back({{"id", model.id},
                    {"object", "model"},
                    {"created", model.created},
                    {"owned_by", "cloister"},
                    {"sha256", hex_encode(model.sha256)}});
  }
  return dump({{"data", data}});
}

}  // namespace cloister::enclave
