#include "tlog/canonical_json.h"

#include <algorithm>
#include <vector>

#include "tlog/utf8.h"

namespace cloister::tlog {
namespace {

using nlohmann::json;

std::u16string to_utf16(std::string_view utf8) {
  std::u16string out;
  ByteReader reader(as_bytes(utf8));
  while (!reader.empty()) {
    auto c = read_utf8_char(reader, "key");
    if (!c.ok()) break;  // callers pass validated text
    if (*c >= 0x10000) {
      char32_t v = *c - 0x10000;
      out.push_back(static_cast<char16_t>(0xd800 + (v >> 10)));
      out.push_back(static_cast<char16_t>(0xdc00 + (v & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(*c));
    }
  }
  return out;
}

// The short escapes JCS uses for control characters; others use \u00xx.
char short_escape(char32_t c) {
  switch (c) {
    case 0x08: return 'b';
    case 0x09: return 't';
    case 0x0a: return 'n';
    case 0x0c: return 'f';
    case 0x0d: return 'r';
    default: return 0;
  }
}

int lower_hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

class CanonicalParser {
 public:
  explicit CanonicalParser(ByteSpan text) : reader_(text) {}

  Result<json> parse_document() {
    CLOISTER_ASSIGN_OR_RETURN(json value, parse_value(0));
    if (!reader_.empty()) return reader_.malformed("JSON", "trailing bytes after the value");
    return value;
  }

 private:
  Result<uint8_t> peek() const {
    ByteReader copy = reader_;
    return copy.read_u8("JSON value");
  }

  Status expect(char wanted, std::string_view what) {
    ByteReader before = reader_;
    CLOISTER_ASSIGN_OR_RETURN(uint8_t c, reader_.read_u8(what));
    if (c != static_cast<uint8_t>(wanted)) {
      return before.malformed(what, std::string("expected '") + wanted + "'");
    }
    return ok_status();
  }

  Result<json> parse_value(size_t depth) {
    CLOISTER_ASSIGN_OR_RETURN(uint8_t c, peek());
    switch (c) {
      case '{': return parse_object(depth + 1);
      case '[': return parse_array(depth + 1);
      case '"': {
        CLOISTER_ASSIGN_OR_RETURN(std::string text, parse_string());
        return json(std::move(text));
      }
      case 't': return parse_literal("true", json(true));
      case 'f': return parse_literal("false", json(false));
      case 'n': return parse_literal("null", json(nullptr));
      default: break;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return parse_integer();
    return reader_.malformed("JSON value", "unexpected character (whitespace is not canonical)");
  }

  Result<json> parse_literal(std::string_view word, json value) {
    ByteReader before = reader_;
    auto raw = reader_.read_bytes(word.size(), "JSON literal");
    if (!raw.ok() || to_string(*raw) != word) {
      reader_ = before;
      return before.malformed("JSON literal", "expected " + std::string(word));
    }
    return value;
  }

  Result<json> parse_integer() {
    ByteReader start = reader_;
    bool negative = false;
    CLOISTER_ASSIGN_OR_RETURN(uint8_t first_char, peek());
    if (first_char == '-') {
      negative = true;
      CLOISTER_TRY(reader_.skip(1, "JSON number"));
    }
    int64_t magnitude = 0;
    size_t digits = 0;
    bool leading_zero = false;
    while (true) {
      auto c = peek();
      if (!c.ok() || *c < '0' || *c > '9') break;
      if (digits == 1 && leading_zero) {
        return start.malformed("JSON number", "leading zeros are not canonical");
      }
      if (digits == 0 && *c == '0') leading_zero = true;
      magnitude = magnitude * 10 + (*c - '0');
      if (magnitude > kMaxJsonInteger) {
        return start.malformed("JSON number", "integer outside +-(2^53 - 1)");
      }
      ++digits;
      CLOISTER_TRY(reader_.skip(1, "JSON number"));
    }
    if (digits == 0) return start.malformed("JSON number", "'-' without digits");
    if (negative && magnitude == 0) return start.malformed("JSON number", "-0 is not canonical");
    auto next = peek();
    if (next.ok() && (*next == '.' || *next == 'e' || *next == 'E')) {
      return start.malformed("JSON number", "only integers are allowed");
    }
    return json(negative ? -magnitude : magnitude);
  }

  Result<std::string> parse_string() {
    CLOISTER_TRY(expect('"', "JSON string"));
    std::string out;
    while (true) {
      ByteReader before = reader_;
      CLOISTER_ASSIGN_OR_RETURN(char32_t c, read_utf8_char(reader_, "JSON string"));
      if (c == '"') return out;
      if (c < 0x20) return before.malformed("JSON string", "unescaped control character");
      if (c != '\\') {
        ByteSpan raw = before.peek_rest().first(before.remaining() - reader_.remaining());
        out.append(reinterpret_cast<const char*>(raw.data()), raw.size());
        continue;
      }
      CLOISTER_ASSIGN_OR_RETURN(uint8_t e, reader_.read_u8("JSON escape"));
      switch (e) {
        case '"': out += '"'; continue;
        case '\\': out += '\\'; continue;
        case 'b': out += '\b'; continue;
        case 't': out += '\t'; continue;
        case 'n': out += '\n'; continue;
        case 'f': out += '\f'; continue;
        case 'r': out += '\r'; continue;
        case 'u': break;
        default: return before.malformed("JSON escape", "escape is not canonical");
      }
      CLOISTER_ASSIGN_OR_RETURN(ByteSpan hex, reader_.read_bytes(4, "JSON \\u escape"));
      int high = lower_hex_value(hex[2]);
      int low = lower_hex_value(hex[3]);
      char32_t value = static_cast<char32_t>(high * 16 + low);
      if (hex[0] != '0' || hex[1] != '0' || high < 0 || high > 1 || low < 0 ||
          short_escape(value) != 0) {
        return before.malformed("JSON \\u escape",
                                "only control characters without a short escape use \\u00xx");
      }
      out += static_cast<char>(value);
    }
  }

  Result<json> parse_array(size_t depth) {
    if (depth > kMaxJsonDepth) return reader_.malformed("JSON array", "nested too deeply");
    CLOISTER_TRY(expect('[', "JSON array"));
    json array = json::array();
    CLOISTER_ASSIGN_OR_RETURN(uint8_t first_char, peek());
    if (first_char == ']') {
      CLOISTER_TRY(reader_.skip(1, "JSON array"));
      return array;
    }
    while (true) {
      CLOISTER_ASSIGN_OR_RETURN(json element, parse_value(depth));
      array.push_back(std::move(element));
      CLOISTER_ASSIGN_OR_RETURN(uint8_t c, reader_.read_u8("JSON array"));
      if (c == ']') return array;
      if (c != ',') return reader_.malformed("JSON array", "expected ',' or ']'");
    }
  }

  Result<json> parse_object(size_t depth) {
    if (depth > kMaxJsonDepth) return reader_.malformed("JSON object", "nested too deeply");
    CLOISTER_TRY(expect('{', "JSON object"));
    json object = json::object();
    CLOISTER_ASSIGN_OR_RETURN(uint8_t first_char, peek());
    if (first_char == '}') {
      CLOISTER_TRY(reader_.skip(1, "JSON object"));
      return object;
    }
    std::string previous_key;
    bool first = true;
    while (true) {
      ByteReader key_start = reader_;
      CLOISTER_ASSIGN_OR_RETURN(std::string key, parse_string());
      if (!first && !utf16_less(previous_key, key)) {
        return key_start.malformed("JSON object key \"" + key + "\"",
                                   "keys must be unique and in ascending order");
      }
      first = false;
      CLOISTER_TRY(expect(':', "JSON object"));
      CLOISTER_ASSIGN_OR_RETURN(json value, parse_value(depth));
      object[key] = std::move(value);
      previous_key = std::move(key);
      CLOISTER_ASSIGN_OR_RETURN(uint8_t c, reader_.read_u8("JSON object"));
      if (c == '}') return object;
      if (c != ',') return reader_.malformed("JSON object", "expected ',' or '}'");
    }
  }

  ByteReader reader_;
};

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

Status write_string(std::string_view text, std::string& out) {
  if (!is_valid_utf8(text)) return invalid("JSON string is not valid UTF-8");
  out += '"';
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      if (char e = short_escape(c); e != 0) {
        out += '\\';
        out += e;
      } else {
        constexpr std::string_view kHex = "0123456789abcdef";
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
      }
    } else {
      out += ch;
    }
  }
  out += '"';
  return ok_status();
}

Status write_value(const json& value, size_t depth, std::string& out) {
  switch (value.type()) {
    case json::value_t::null: out += "null"; return ok_status();
    case json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return ok_status();
    case json::value_t::number_integer: {
      auto v = value.get<int64_t>();
      if (v > kMaxJsonInteger || v < -kMaxJsonInteger) return invalid("JSON integer out of range");
      out += std::to_string(v);
      return ok_status();
    }
    case json::value_t::number_unsigned: {
      auto v = value.get<uint64_t>();
      if (v > static_cast<uint64_t>(kMaxJsonInteger)) return invalid("JSON integer out of range");
      out += std::to_string(v);
      return ok_status();
    }
    case json::value_t::string: return write_string(value.get_ref<const std::string&>(), out);
    case json::value_t::array: {
      if (depth + 1 > kMaxJsonDepth) return invalid("JSON nested too deeply");
      out += '[';
      bool first = true;
      for (const json& element : value) {
        if (!first) out += ',';
        first = false;
        CLOISTER_TRY(write_value(element, depth + 1, out));
      }
      out += ']';
      return ok_status();
    }
    case json::value_t::object: {
      if (depth + 1 > kMaxJsonDepth) return invalid("JSON nested too deeply");
      std::vector<std::string_view> keys;
      for (const auto& item : value.items()) {
        if (!is_valid_utf8(item.key())) return invalid("JSON object key is not valid UTF-8");
        keys.emplace_back(item.key());
      }
      std::sort(keys.begin(), keys.end(), utf16_less);
      out += '{';
      bool first = true;
      for (std::string_view key : keys) {
        if (!first) out += ',';
        first = false;
        CLOISTER_TRY(write_string(key, out));
        out += ':';
        CLOISTER_TRY(write_value(value.find(std::string(key)).value(), depth + 1, out));
      }
      out += '}';
      return ok_status();
    }
    case json::value_t::number_float: return invalid("floating-point numbers are not allowed");
    case json::value_t::binary:
    case json::value_t::discarded: break;
  }
  return invalid("JSON value has no canonical form");
}

}  // namespace

bool utf16_less(std::string_view a, std::string_view b) { return to_utf16(a) < to_utf16(b); }

Result<nlohmann::json> parse_canonical_json(ByteSpan text) {
  return CanonicalParser(text).parse_document();
}

Result<std::string> canonical_json(const nlohmann::json& value) {
  std::string out;
  CLOISTER_TRY(write_value(value, 0, out));
  return out;
}

}  // namespace cloister::tlog
