// Reading members of JSON that arrived from outside. nlohmann's value()
// throws when a member exists with another type ({"format": 7}); these
// accessors answer with the fallback instead, so a parser can treat a wrong
// type like a wrong value and return its own clear error.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cloister {

// The member `key` of `object` if `object` is an object and the member is a
// string; otherwise `fallback`.
std::string string_member(const nlohmann::json& object, std::string_view key,
                          std::string_view fallback = {});

}  // namespace cloister
