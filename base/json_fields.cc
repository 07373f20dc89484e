#include "base/json_fields.h"

namespace cloister {

std::string string_member(const nlohmann::json& object, std::string_view key,
                          std::string_view fallback) {
  if (!object.is_object()) return std::string(fallback);
  const auto member = object.find(key);
  if (member == object.end() || !member->is_string()) return std::string(fallback);
  return member->get<std::string>();
}

}  // namespace cloister
