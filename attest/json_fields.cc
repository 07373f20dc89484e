#include "attest/json_fields.h"

#include <algorithm>

#include "base/encoding.h"

namespace cloister::attest::json {
namespace {

Error wrong_type(std::string_view key, std::string_view wanted) {
  return Error(ErrorCode::kMalformed,
               "\"" + std::string(key) + "\" must be " + std::string(wanted));
}

const Json* find(const Json& object, std::string_view key) {
  auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

Result<Bytes> decode_hex(const Json& value, std::string_view key, size_t size) {
  if (!value.is_string()) return wrong_type(key, "a hex string");
  auto bytes = hex_decode(value.get<std::string>());
  if (!bytes.ok()) return bytes.error().with_context("\"" + std::string(key) + "\"");
  if (size != 0 && bytes->size() != size) {
    return Error(ErrorCode::kMalformed, "\"" + std::string(key) + "\" must be " +
                                            std::to_string(size) + " bytes of hex, got " +
                                            std::to_string(bytes->size()));
  }
  return bytes;
}

}  // namespace

Result<Json> parse_object(std::string_view text, std::string_view what) {
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Error(ErrorCode::kMalformed, std::string(what) + " is not valid JSON");
  }
  if (!parsed.is_object()) {
    return Error(ErrorCode::kMalformed, std::string(what) + " must be a JSON object");
  }
  return parsed;
}

Status reject_unknown_keys(const Json& object, std::initializer_list<std::string_view> known,
                           std::string_view what) {
  for (const auto& item : object.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      return Error(ErrorCode::kInvalidArgument,
                   std::string(what) + " has unknown key \"" + item.key() + "\"");
    }
  }
  return ok_status();
}

Result<std::optional<bool>> optional_bool(const Json& object, std::string_view key) {
  const Json* value = find(object, key);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_boolean()) return wrong_type(key, "true or false");
  return std::optional<bool>(value->get<bool>());
}

Result<std::optional<uint64_t>> optional_uint(const Json& object, std::string_view key,
                                              uint64_t max) {
  const Json* value = find(object, key);
  if (value == nullptr) return std::optional<uint64_t>();
  if (!value->is_number_unsigned() && !(value->is_number_integer() && value->get<int64_t>() >= 0)) {
    return wrong_type(key, "a non-negative integer");
  }
  uint64_t number = value->get<uint64_t>();
  if (number > max) return wrong_type(key, "at most " + std::to_string(max));
  return std::optional<uint64_t>(number);
}

Result<std::optional<std::string>> optional_string(const Json& object, std::string_view key) {
  const Json* value = find(object, key);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return wrong_type(key, "a string");
  return std::optional<std::string>(value->get<std::string>());
}

Result<std::optional<Bytes>> optional_hex(const Json& object, std::string_view key, size_t size) {
  const Json* value = find(object, key);
  if (value == nullptr) return std::optional<Bytes>();
  CLOISTER_ASSIGN_OR_RETURN(Bytes bytes, decode_hex(*value, key, size));
  return std::optional<Bytes>(std::move(bytes));
}

Result<std::optional<std::vector<Bytes>>> optional_hex_list(const Json& object,
                                                            std::string_view key, size_t size) {
  const Json* value = find(object, key);
  if (value == nullptr) return std::optional<std::vector<Bytes>>();
  if (!value->is_array()) return wrong_type(key, "an array of hex strings");
  std::vector<Bytes> list;
  for (const Json& item : *value) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes bytes, decode_hex(item, key, size));
    list.push_back(std::move(bytes));
  }
  return std::optional<std::vector<Bytes>>(std::move(list));
}

Result<uint64_t> required_uint(const Json& object, std::string_view key, uint64_t max) {
  CLOISTER_ASSIGN_OR_RETURN(auto value, optional_uint(object, key, max));
  if (!value) return Error(ErrorCode::kMalformed, "missing \"" + std::string(key) + "\"");
  return *value;
}

Result<std::string> required_string(const Json& object, std::string_view key) {
  CLOISTER_ASSIGN_OR_RETURN(auto value, optional_string(object, key));
  if (!value) return Error(ErrorCode::kMalformed, "missing \"" + std::string(key) + "\"");
  return *value;
}

Result<Bytes> required_hex(const Json& object, std::string_view key, size_t size) {
  CLOISTER_ASSIGN_OR_RETURN(auto value, optional_hex(object, key, size));
  if (!value) return Error(ErrorCode::kMalformed, "missing \"" + std::string(key) + "\"");
  return *value;
}

Result<std::vector<Bytes>> required_hex_list(const Json& object, std::string_view key,
                                             size_t size) {
  const Json* value = find(object, key);
  if (value == nullptr) return Error(ErrorCode::kMalformed, "missing \"" + std::string(key) + "\"");
  if (!value->is_array()) return wrong_type(key, "an array of hex strings");
  std::vector<Bytes> list;
  for (const Json& item : *value) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes bytes, decode_hex(item, key, size));
    list.push_back(std::move(bytes));
  }
  return list;
}

Result<Json> required_member(const Json& object, std::string_view key, Json::value_t type) {
  const Json* value = find(object, key);
  if (value == nullptr) return Error(ErrorCode::kMalformed, "missing \"" + std::string(key) + "\"");
  if (value->type() != type) {
    return wrong_type(key, type == Json::value_t::array    ? "an array"
                           : type == Json::value_t::object ? "an object"
                                                           : "a different type");
  }
  return *value;
}

}  // namespace cloister::attest::json
