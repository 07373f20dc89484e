// Typed, strict field access for the small JSON documents attest reads
// (policies, Intel collateral, golden measurements). Every accessor names the
// field in its error. nlohmann exceptions never escape these functions.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/bytes.h"

namespace cloister::attest::json {

using Json = nlohmann::json;

// Parses `text` and requires a JSON object; `what` names the document.
Result<Json> parse_object(std::string_view text, std::string_view what);

// Fails if `object` has a key not in `known`.
Status reject_unknown_keys(const Json& object, std::initializer_list<std::string_view> known,
                           std::string_view what);

// Each returns nullopt when `key` is absent, and an error when it has the wrong type.
Result<std::optional<bool>> optional_bool(const Json& object, std::string_view key);
Result<std::optional<uint64_t>> optional_uint(const Json& object, std::string_view key,
                                              uint64_t max);
Result<std::optional<std::string>> optional_string(const Json& object, std::string_view key);
// Hex of exactly `size` bytes (any size if 0).
Result<std::optional<Bytes>> optional_hex(const Json& object, std::string_view key, size_t size);
Result<std::optional<std::vector<Bytes>>> optional_hex_list(const Json& object,
                                                            std::string_view key, size_t size);

// Like the optional_ forms, but the key must be present.
Result<uint64_t> required_uint(const Json& object, std::string_view key, uint64_t max);
Result<std::string> required_string(const Json& object, std::string_view key);
Result<Bytes> required_hex(const Json& object, std::string_view key, size_t size);
Result<std::vector<Bytes>> required_hex_list(const Json& object, std::string_view key, size_t size);
Result<Json> required_member(const Json& object, std::string_view key, Json::value_t type);

}  // namespace cloister::attest::json
