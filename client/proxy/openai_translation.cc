#include "client/proxy/openai_translation.h"

#include <nlohmann/json.hpp>

namespace cloister::client::proxy {
namespace {

using nlohmann::json;

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

Error malformed(std::string_view what) {
  return Error(ErrorCode::kMalformed, "the enclave sent " + std::string(what));
}

Result<json> parse_enclave_object(std::string_view body, std::string_view what) {
  json value = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object())
    return malformed(std::string(what) + " that is not a JSON object");
  return value;
}

Result<std::string> string_field(const json& object, std::string_view key, std::string_view what) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return malformed(std::string(what) + " without a string \"" + std::string(key) + "\"");
  }
  return it->get<std::string>();
}

Result<int64_t> integer_field(const json& object, std::string_view key, std::string_view what) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) {
    return malformed(std::string(what) + " without an integer \"" + std::string(key) + "\"");
  }
  return it->get<int64_t>();
}

json chunk_base(const CompletionStart& start) {
  return {{"id", start.id},
          {"object", "chat.completion.chunk"},
          {"created", start.created},
          {"model", start.model},
          {"system_fingerprint", nullptr}};
}

json delta_choice(json delta, const json& finish_reason) {
  return {{"index", 0},
          {"delta", std::move(delta)},
          {"logprobs", nullptr},
          {"finish_reason", finish_reason}};
}

json usage_json(const CompletionEnd& end) {
  return {{"prompt_tokens", end.prompt_tokens},
          {"completion_tokens", end.completion_tokens},
          {"total_tokens", end.prompt_tokens + end.completion_tokens}};
}

OpenAiError make_error(int status, std::string_view message, std::string_view type,
                       std::optional<std::string_view> code, bool retryable) {
  return OpenAiError{status, error_body(message, type, code), retryable};
}

}  // namespace

Result<ForwardedRequest> wrap_chat_request(std::string_view openai_body) {
  if (openai_body.size() > kMaxRequestBytes) {
    return Error(ErrorCode::kResourceExhausted, "the request body is larger than 4 MiB");
  }
  const json body = json::parse(openai_body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Error(ErrorCode::kInvalidArgument, "the request body is not a JSON object");
  }
  ForwardedRequest request;
  if (auto stream = body.find("stream"); stream != body.end() && !stream->is_null()) {
    if (!stream->is_boolean())
      return Error(ErrorCode::kInvalidArgument, "'stream' must be true or false");
    request.stream = stream->get<bool>();
  }
  if (auto options = body.find("stream_options"); options != body.end() && options->is_object()) {
    auto usage = options->find("include_usage");
    request.include_usage = usage != options->end() && usage->is_boolean() && usage->get<bool>();
  }
  request.body = R"({"method":"chat.completions","params":)";
  request.body.append(openai_body);
  request.body.push_back('}');
  return request;
}

std::string models_request() { return R"({"method":"models.list","params":{}})"; }

Result<CompletionStart> parse_start(std::string_view body) {
  CLOISTER_ASSIGN_OR_RETURN(json start, parse_enclave_object(body, "a response-start"));
  CompletionStart parsed;
  CLOISTER_ASSIGN_OR_RETURN(parsed.id, string_field(start, "id", "a response-start"));
  CLOISTER_ASSIGN_OR_RETURN(parsed.model, string_field(start, "model", "a response-start"));
  CLOISTER_ASSIGN_OR_RETURN(parsed.created, integer_field(start, "created", "a response-start"));
  return parsed;
}

Result<std::string> parse_delta(std::string_view body) {
  CLOISTER_ASSIGN_OR_RETURN(json delta, parse_enclave_object(body, "a stream-delta"));
  return string_field(delta, "content", "a stream-delta");
}

Result<CompletionEnd> parse_end(std::string_view body) {
  constexpr std::string_view kWhat = "a response-end";
  CLOISTER_ASSIGN_OR_RETURN(json end, parse_enclave_object(body, kWhat));
  CompletionEnd parsed;
  CLOISTER_ASSIGN_OR_RETURN(parsed.finish_reason, string_field(end, "finish_reason", kWhat));
  CLOISTER_ASSIGN_OR_RETURN(parsed.receipt_base64, string_field(end, "receipt", kWhat));
  auto usage = end.find("usage");
  if (usage == end.end() || !usage->is_object()) return malformed("a response-end without usage");
  CLOISTER_ASSIGN_OR_RETURN(parsed.prompt_tokens, integer_field(*usage, "prompt_tokens", kWhat));
  CLOISTER_ASSIGN_OR_RETURN(parsed.completion_tokens,
                            integer_field(*usage, "completion_tokens", kWhat));
  if (end.contains("content")) {
    CLOISTER_ASSIGN_OR_RETURN(parsed.content, string_field(end, "content", kWhat));
  }
  return parsed;
}

std::string role_chunk(const CompletionStart& start) {
  json chunk = chunk_base(start);
  chunk["choices"] = json::array({delta_choice({{"role", "assistant"}, {"content", ""}}, nullptr)});
  return dump(chunk);
}

std::string content_chunk(const CompletionStart& start, std::string_view content) {
  json chunk = chunk_base(start);
  chunk["choices"] = json::array({delta_choice({{"content", std::string(content)}}, nullptr)});
  return dump(chunk);
}

std::string finish_chunk(const CompletionStart& start, const CompletionEnd& end,
                         bool include_usage) {
  json chunk = chunk_base(start);
  chunk["choices"] = json::array({delta_choice(json::object(), end.finish_reason)});
  if (include_usage) {
    chunk["usage"] = nullptr;  // as OpenAI: usage comes in its own last chunk
  } else {
    chunk["cloister_receipt"] = end.receipt_base64;
  }
  return dump(chunk);
}

std::string usage_chunk(const CompletionStart& start, const CompletionEnd& end) {
  json chunk = chunk_base(start);
  chunk["choices"] = json::array();
  chunk["usage"] = usage_json(end);
  chunk["cloister_receipt"] = end.receipt_base64;
  return dump(chunk);
}

std::string completion_object(const CompletionStart& start, const CompletionEnd& end) {
  json message = {
      {"role", "assistant"}, {"content", end.content.value_or("")}, {"refusal", nullptr}};
  json choice = {{"index", 0},
                 {"message", message},
                 {"logprobs", nullptr},
                 {"finish_reason", end.finish_reason}};
  return dump({{"id", start.id},
               {"object", "chat.completion"},
               {"created", start.created},
               {"model", start.model},
               {"system_fingerprint", nullptr},
               {"choices", json::array({choice})},
               {"usage", usage_json(end)},
               {"cloister_receipt", end.receipt_base64}});
}

Result<std::string> models_list(std::string_view end_body) {
  constexpr std::string_view kWhat = "a model list";
  CLOISTER_ASSIGN_OR_RETURN(json end, parse_enclave_object(end_body, kWhat));
  auto data = end.find("data");
  if (data == end.end() || !data->is_array()) return malformed("a model list without data");
  json models = json::array();
  for (const json& entry : *data) {
    if (!entry.is_object()) return malformed("a model entry that is not an object");
    json model = {{"object", "model"}, {"owned_by", "cloister"}};
    CLOISTER_ASSIGN_OR_RETURN(std::string id, string_field(entry, "id", kWhat));
    CLOISTER_ASSIGN_OR_RETURN(int64_t created, integer_field(entry, "created", kWhat));
    model["id"] = id;
    model["created"] = created;
    if (auto digest = entry.find("sha256"); digest != entry.end() && digest->is_string()) {
      model["cloister_sha256"] = *digest;  // the digest the release manifest logs
    }
    models.push_back(std::move(model));
  }
  return dump({{"object", "list"}, {"data", models}});
}

OpenAiError map_enclave_error(uint16_t code, std::string_view reason) {
  const std::string message = "the enclave refused the request: " + std::string(reason);
  switch (code) {
    case 0x0100: return make_error(400, message, "invalid_request_error", std::nullopt, false);
    case 0x0101: return make_error(400, message, "invalid_request_error", "unsupported", false);
    case 0x0102: return make_error(404, message, "invalid_request_error", "model_not_found", false);
    case 0x0103:
      return make_error(400, message, "invalid_request_error", "context_length_exceeded", false);
    case 0x0104: return make_error(503, message, "server_error", "overloaded", true);
    case 0x0105: return make_error(429, message, "requests", "rate_limit_exceeded", true);
    case 0x0106: return make_error(500, message, "server_error", "slow_reader", true);
    case 0x0107: return make_error(500, message, "server_error", "engine_failure", true);
    default: break;
  }
  return make_error(502, "the enclave failed with an unknown code: " + std::string(reason),
                    "server_error", std::nullopt, false);
}

OpenAiError verification_failed(std::string_view why) {
  return make_error(502, "cloister proxy refused to forward: " + std::string(why),
                    "cloister_verification_failed", std::nullopt, false);
}

OpenAiError enclave_unavailable(std::string_view why) {
  return make_error(503, "cloister proxy cannot reach the enclave: " + std::string(why),
                    "cloister_unavailable", std::nullopt, true);
}

OpenAiError invalid_request(std::string_view why) {
  return make_error(400, why, "invalid_request_error", std::nullopt, false);
}

std::string error_body(std::string_view message, std::string_view type,
                       std::optional<std::string_view> code) {
  json error = {{"message", std::string(message)},
                {"type", std::string(type)},
                {"param", nullptr},
                {"code", nullptr}};
  if (code) error["code"] = std::string(*code);
  return dump({{"error", error}});
}

std::string sse_data(std::string_view json_text) {
  std::string event = "data: ";
  event.append(json_text);
  event.append("\n\n");
  return event;
}

}  // namespace cloister::client::proxy
