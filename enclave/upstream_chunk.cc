#include "enclave/upstream_chunk.h"

#include <limits>

#include <nlohmann/json.hpp>

namespace cloister::enclave {
namespace {

using nlohmann::json;

Error malformed(std::string_view what) {
  return Error(ErrorCode::kMalformed, "upstream chunk: " + std::string(what));
}

Result<uint32_t> token_count(const json& usage, std::string_view key) {
  auto it = usage.find(key);
  if (it == usage.end() || it->is_null()) return 0u;
  if (!it->is_number_unsigned() || it->get<uint64_t>() > std::numeric_limits<uint32_t>::max()) {
    return malformed("usage counts must be unsigned 32-bit integers");
  }
  return static_cast<uint32_t>(it->get<uint64_t>());
}

}  // namespace

Result<UpstreamChunk> parse_upstream_chunk(std::string_view data) {
  json value = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) return malformed("not a JSON object");
  UpstreamChunk chunk;
  if (auto error = value.find("error"); error != value.end() && !error->is_null()) {
    chunk.error = true;
    return chunk;
  }
  if (auto choices = value.find("choices"); choices != value.end() && !choices->is_null()) {
    if (!choices->is_array()) return malformed("choices is not an array");
    if (!choices->empty()) {
      const json& choice = choices->front();
      if (!choice.is_object()) return malformed("a choice is not an object");
      if (auto delta = choice.find("delta"); delta != choice.end() && !delta->is_null()) {
        if (!delta->is_object()) return malformed("delta is not an object");
        if (auto content = delta->find("content"); content != delta->end() && !content->is_null()) {
          if (!content->is_string()) return malformed("delta.content is not a string");
          chunk.content = content->get<std::string>();
        }
      }
      if (auto reason = choice.find("finish_reason");
          reason != choice.end() && !reason->is_null()) {
        if (!reason->is_string()) return malformed("finish_reason is not a string");
        chunk.finish_reason = reason->get<std::string>();
      }
    }
  }
  if (auto usage = value.find("usage"); usage != value.end() && !usage->is_null()) {
    if (!usage->is_object()) return malformed("usage is not an object");
    Usage counts;
    CLOISTER_ASSIGN_OR_RETURN(counts.prompt_tokens, token_count(*usage, "prompt_tokens"));
    CLOISTER_ASSIGN_OR_RETURN(counts.completion_tokens, token_count(*usage, "completion_tokens"));
    chunk.usage = counts;
  }
  return chunk;
}

}  // namespace cloister::enclave
