#include "tools/cloister-engine/openai_api.h"

#include <nlohmann/json.hpp>

#include "base/json_fields.h"

namespace cloister::tools::engine_cli {
namespace {

using nlohmann::json;

constexpr size_t kMaxMessages = 4096;
constexpr size_t kMaxStops = 4;  // as OpenAI
constexpr size_t kMaxStopBytes = 256;

Error bad_field(std::string_view field, std::string_view problem) {
  return Error(ErrorCode::kInvalidArgument, "'" + std::string(field) + "' " + std::string(problem));
}

Result<json> parse_object(std::string_view body) {
  if (body.size() > kMaxRequestBytes) {
    return Error(ErrorCode::kResourceExhausted, "the request body is larger than 4 MiB");
  }
  json value = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Error(ErrorCode::kInvalidArgument, "the body is not valid JSON");
  if (!value.is_object())
    return Error(ErrorCode::kInvalidArgument, "the body is not a JSON object");
  return value;
}

Result<double> number_in(const json& body, std::string_view field, double low, double high,
                         double fallback) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_number()) return bad_field(field, "must be a number");
  const double value = it->get<double>();
  if (!(value >= low && value <= high)) {
    return bad_field(field,
                     "must be between " + std::to_string(low) + " and " + std::to_string(high));
  }
  return value;
}

Result<bool> bool_in(const json& body, std::string_view field, bool fallback) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return bad_field(field, "must be true or false");
  return it->get<bool>();
}

Result<std::string> string_in(const json& body, std::string_view field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) return bad_field(field, "must be a string");
  return it->get<std::string>();
}

// Reads the generation options every request type shares.
Result<engine::GenerationOptions> read_options(const json& body,
                                               const engine::GenerationOptions& defaults) {
  engine::GenerationOptions options = defaults;
  engine::SamplingParams& s = options.sampling;
  CLOISTER_ASSIGN_OR_RETURN(double temperature,
                            number_in(body, "temperature", 0, 2, s.temperature));
  s.temperature = static_cast<float>(temperature);
  CLOISTER_ASSIGN_OR_RETURN(double top_p, number_in(body, "top_p", 0, 1, s.top_p));
  s.top_p = static_cast<float>(top_p);
  CLOISTER_ASSIGN_OR_RETURN(double top_k, number_in(body, "top_k", 0, 1 << 20, s.top_k));
  s.top_k = static_cast<int32_t>(top_k);
  CLOISTER_ASSIGN_OR_RETURN(double min_p, number_in(body, "min_p", 0, 1, s.min_p));
  s.min_p = static_cast<float>(min_p);
  CLOISTER_ASSIGN_OR_RETURN(double frequency,
                            number_in(body, "frequency_penalty", -2, 2, s.frequency_penalty));
  s.frequency_penalty = static_cast<float>(frequency);
  CLOISTER_ASSIGN_OR_RETURN(double presence,
                            number_in(body, "presence_penalty", -2, 2, s.presence_penalty));
  s.presence_penalty = static_cast<float>(presence);
  CLOISTER_ASSIGN_OR_RETURN(double repeat,
                            number_in(body, "repeat_penalty", 0.01, 10, s.repeat_penalty));
  s.repeat_penalty = static_cast<float>(repeat);
  if (body.contains("seed") && !body["seed"].is_null()) {
    if (!body["seed"].is_number_integer()) return bad_field("seed", "must be an integer");
    s.seed = body["seed"].get<int64_t>();
  }
  for (std::string_view field : {"max_tokens", "max_completion_tokens"}) {
    CLOISTER_ASSIGN_OR_RETURN(double max_tokens,
                              number_in(body, field, 1, 1 << 24, options.max_tokens));
    if (max_tokens != std::floor(max_tokens)) return bad_field(field, "must be an integer");
    options.max_tokens = static_cast<uint32_t>(max_tokens);
  }
  CLOISTER_ASSIGN_OR_RETURN(double n, number_in(body, "n", 1, 1, 1));
  (void)n;
  if (auto it = body.find("stop"); it != body.end() && !it->is_null()) {
    std::vector<std::string> stops;
    if (it->is_string()) {
      stops.push_back(it->get<std::string>());
    } else if (it->is_array() && it->size() <= kMaxStops) {
      for (const json& stop : *it) {
        if (!stop.is_string()) return bad_field("stop", "must hold only strings");
        stops.push_back(stop.get<std::string>());
      }
    } else {
      return bad_field("stop", "must be a string or an array of at most 4 strings");
    }
    for (const std::string& stop : stops) {
      if (stop.size() > kMaxStopBytes) return bad_field("stop", "strings must be short");
    }
    options.stop = std::move(stops);
  }
  return options;
}

// Message content is a string, or an array of parts of which only text is supported.
Result<std::string> message_content(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_null()) return std::string();
  if (!content.is_array()) return bad_field("content", "must be a string or an array of parts");
  std::string text;
  for (const json& part : content) {
    if (!part.is_object() || string_member(part, "type") != "text" || !part.contains("text") ||
        !part["text"].is_string()) {
      return bad_field("content", "parts other than {\"type\": \"text\"} are not supported");
    }
    text += part["text"].get<std::string>();
  }
  return text;
}

json usage_json(const Usage& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
}

std::string reason_string(engine::FinishReason reason) {
  return std::string(engine::finish_reason_name(reason));
}

// OpenAI streams may carry any UTF-8; invalid bytes (which the engine only
// emits if the model produces them) become U+FFFD instead of failing.
std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

Result<ChatRequest> parse_chat_request(std::string_view body,
                                       const engine::GenerationOptions& defaults) {
  CLOISTER_ASSIGN_OR_RETURN(json value, parse_object(body));
  ChatRequest request;
  CLOISTER_ASSIGN_OR_RETURN(request.model, string_in(value, "model"));
  CLOISTER_ASSIGN_OR_RETURN(request.stream, bool_in(value, "stream", false));
  CLOISTER_ASSIGN_OR_RETURN(request.options, read_options(value, defaults));
  auto messages = value.find("messages");
  if (messages == value.end() || !messages->is_array() || messages->empty()) {
    return bad_field("messages", "must be a non-empty array");
  }
  if (messages->size() > kMaxMessages) return bad_field("messages", "has too many entries");
  for (const json& message : *messages) {
    if (!message.is_object() || !message.contains("role") || !message["role"].is_string()) {
      return bad_field("messages", "entries must be objects with a string 'role'");
    }
    engine::ChatMessage parsed;
    parsed.role = message["role"].get<std::string>();
    if (parsed.role == "developer") parsed.role = "system";
    CLOISTER_ASSIGN_OR_RETURN(parsed.content, message_content(message.value("content", json())));
    request.messages.push_back(std::move(parsed));
  }
  return request;
}

Result<CompletionRequest> parse_completion_request(std::string_view body,
                                                   const engine::GenerationOptions& defaults) {
  CLOISTER_ASSIGN_OR_RETURN(json value, parse_object(body));
  CompletionRequest request;
  CLOISTER_ASSIGN_OR_RETURN(request.model, string_in(value, "model"));
  CLOISTER_ASSIGN_OR_RETURN(request.stream, bool_in(value, "stream", false));
  CLOISTER_ASSIGN_OR_RETURN(request.options, read_options(value, defaults));
  auto prompt = value.find("prompt");
  if (prompt == value.end() || !prompt->is_string()) {
    return bad_field("prompt", "must be a string");
  }
  request.prompt = prompt->get<std::string>();
  return request;
}

std::string chat_completion_json(std::string_view id, std::string_view model, int64_t created,
                                 std::string_view text, engine::FinishReason reason,
                                 const Usage& usage) {
  json message = {{"role", "assistant"}, {"content", std::string(text)}};
  json choice = {{"index", 0}, {"message", message}, {"finish_reason", reason_string(reason)}};
  return dump({{"id", std::string(id)},
               {"object", "chat.completion"},
               {"created", created},
               {"model", std::string(model)},
               {"choices", json::array({choice})},
               {"usage", usage_json(usage)}});
}

std::string chat_chunk_json(std::string_view id, std::string_view model, int64_t created,
                            std::optional<std::string_view> content, bool first,
                            std::optional<engine::FinishReason> reason,
                            std::optional<Usage> usage) {
  json delta = json::object();
  if (first) delta["role"] = "assistant";
  if (content) delta["content"] = std::string(*content);
  json choice = {{"index", 0}, {"delta", delta}, {"finish_reason", nullptr}};
  if (reason) choice["finish_reason"] = reason_string(*reason);
  json chunk = {{"id", std::string(id)},
                {"object", "chat.completion.chunk"},
                {"created", created},
                {"model", std::string(model)},
                {"choices", json::array({choice})}};
  if (usage) chunk["usage"] = usage_json(*usage);
  return dump(chunk);
}

std::string completion_json(std::string_view id, std::string_view model, int64_t created,
                            std::string_view text, engine::FinishReason reason,
                            const Usage& usage) {
  json choice = {{"index", 0},
                 {"text", std::string(text)},
                 {"logprobs", nullptr},
                 {"finish_reason", reason_string(reason)}};
  return dump({{"id", std::string(id)},
               {"object", "text_completion"},
               {"created", created},
               {"model", std::string(model)},
               {"choices", json::array({choice})},
               {"usage", usage_json(usage)}});
}

std::string completion_chunk_json(std::string_view id, std::string_view model, int64_t created,
                                  std::string_view text,
                                  std::optional<engine::FinishReason> reason) {
  json choice = {
      {"index", 0}, {"text", std::string(text)}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
  if (reason) choice["finish_reason"] = reason_string(*reason);
  return dump({{"id", std::string(id)},
               {"object", "text_completion"},
               {"created", created},
               {"model", std::string(model)},
               {"choices", json::array({choice})}});
}

std::string models_json(std::string_view model, int64_t created) {
  json entry = {{"id", std::string(model)},
                {"object", "model"},
                {"created", created},
                {"owned_by", "cloister"}};
  return dump({{"object", "list"}, {"data", json::array({entry})}});
}

std::string error_json(std::string_view message, std::string_view type,
                       std::optional<std::string_view> param) {
  json error = {{"message", std::string(message)},
                {"type", std::string(type)},
                {"param", nullptr},
                {"code", nullptr}};
  if (param) error["param"] = std::string(*param);
  return dump({{"error", error}});
}

std::string sse_event(std::string_view json_text) {
  std::string event = "data: ";
  event.append(json_text);
  event.append("\n\n");
  return event;
}

}  // namespace cloister::tools::engine_cli
