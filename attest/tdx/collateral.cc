#include "attest/tdx/collateral.h"

#include <algorithm>

#include "attest/json_fields.h"
#include "base/encoding.h"

namespace cloister::attest::tdx {
namespace {

using json::Json;

constexpr int kMaxDepth = 64;

// A bounded scanner that locates values in JSON text without rewriting it,
// because Intel signs the bytes exactly as served.
class RawJsonScanner {
 public:
  explicit RawJsonScanner(std::string_view text) : text_(text) {}

  size_t position() const { return position_; }
  bool at_end() {
    skip_space();
    return position_ == text_.size();
  }

  void skip_space() {
    while (position_ < text_.size() && (text_[position_] == ' ' || text_[position_] == '\t' ||
                                        text_[position_] == '\n' || text_[position_] == '\r')) {
      ++position_;
    }
  }

  Status expect(char c) {
    skip_space();
    if (position_ >= text_.size() || text_[position_] != c) {
      return error(std::string("expected '") + c + "'");
    }
    ++position_;
    return ok_status();
  }

  bool peek(char c) {
    skip_space();
    return position_ < text_.size() && text_[position_] == c;
  }

  // Reads a string and returns its raw contents (escapes left as written).
  Result<std::string_view> read_string() {
    CLOISTER_TRY(expect('"'));
    size_t start = position_;
    while (position_ < text_.size()) {
      char c = text_[position_];
      if (c == '"') {
        std::string_view contents = text_.substr(start, position_ - start);
        ++position_;
        return contents;
      }
      if (static_cast<unsigned char>(c) < 0x20) return error("control character in a string");
      position_ += (c == '\\') ? 2 : 1;
    }
    return error("unterminated string");
  }

  Status skip_value(int depth) {
    if (depth > kMaxDepth) return error("nesting deeper than 64");
    skip_space();
    if (position_ >= text_.size()) return error("expected a value");
    char c = text_[position_];
    if (c == '"') return read_string().ok() ? ok_status() : error("bad string");
    if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++position_;
      if (peek(close)) {
        ++position_;
        return ok_status();
      }
      while (true) {
        if (c == '{') {
          CLOISTER_TRY(read_string());
          CLOISTER_TRY(expect(':'));
        }
        CLOISTER_TRY(skip_value(depth + 1));
        if (peek(',')) {
          ++position_;
          continue;
        }
        return expect(close);
      }
    }
    size_t start = position_;
    while (position_ < text_.size() &&
           std::string_view("{}[],: \t\r\n\"").find(text_[position_]) == std::string_view::npos) {
      ++position_;
    }
    if (position_ == start) return error("expected a value");
    return ok_status();
  }

  Error error(std::string_view problem) const {
    return Error(ErrorCode::kMalformed, "collateral JSON: " + std::string(problem) + " at offset " +
                                            std::to_string(position_));
  }

 private:
  std::string_view text_;
  size_t position_ = 0;
};

Result<TimePoint> read_time(const Json& object, std::string_view key) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, json::required_string(object, key));
  auto time = parse_rfc3339(text);
  if (!time.ok()) return time.error().with_context(std::string(key));
  return time;
}

template <size_t N>
Result<std::array<uint8_t, N>> read_fixed_hex(const Json& object, std::string_view key) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes bytes, json::required_hex(object, key, N));
  std::array<uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

uint64_t little_endian_u64(const std::array<uint8_t, 8>& bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes.size(); ++i) value |= uint64_t{bytes[i]} << (8 * i);
  return value;
}

uint32_t big_endian_u32(const std::array<uint8_t, 4>& bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         bytes[3];
}

Result<std::vector<std::string>> read_advisories(const Json& level) {
  std::vector<std::string> ids;
  if (!level.contains("advisoryIDs")) return ids;
  CLOISTER_ASSIGN_OR_RETURN(Json list,
                            json::required_member(level, "advisoryIDs", Json::value_t::array));
  for (const Json& id : list) {
    if (!id.is_string()) return Error(ErrorCode::kMalformed, "advisoryIDs must hold strings");
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

Result<std::array<uint8_t, 16>> read_components(const Json& tcb, std::string_view key) {
  CLOISTER_ASSIGN_OR_RETURN(Json list, json::required_member(tcb, key, Json::value_t::array));
  if (list.size() != 16) {
    return Error(ErrorCode::kMalformed, std::string(key) + " must have 16 components");
  }
  std::array<uint8_t, 16> out{};
  for (size_t i = 0; i < 16; ++i) {
    if (!list[i].is_object())
      return Error(ErrorCode::kMalformed, "TCB component must be an object");
    CLOISTER_ASSIGN_OR_RETURN(uint64_t svn, json::required_uint(list[i], "svn", 255));
    out[i] = static_cast<uint8_t>(svn);
  }
  return out;
}

Result<TdxModuleIdentity> read_module(const Json& module_json) {
  TdxModuleIdentity identity;
  CLOISTER_ASSIGN_OR_RETURN(auto id, json::optional_string(module_json, "id"));
  identity.id = id.value_or("");
  CLOISTER_ASSIGN_OR_RETURN(identity.mr_signer, read_fixed_hex<48>(module_json, "mrsigner"));
  CLOISTER_ASSIGN_OR_RETURN(auto attributes, read_fixed_hex<8>(module_json, "attributes"));
  CLOISTER_ASSIGN_OR_RETURN(auto mask, read_fixed_hex<8>(module_json, "attributesMask"));
  identity.attributes = little_endian_u64(attributes);
  identity.attributes_mask = little_endian_u64(mask);
  if (module_json.contains("tcbLevels")) {
    CLOISTER_ASSIGN_OR_RETURN(
        Json levels, json::required_member(module_json, "tcbLevels", Json::value_t::array));
    for (const Json& level : levels) {
      CLOISTER_ASSIGN_OR_RETURN(Json tcb,
                                json::required_member(level, "tcb", Json::value_t::object));
      TdxModuleIdentity::Level parsed;
      CLOISTER_ASSIGN_OR_RETURN(uint64_t svn, json::required_uint(tcb, "isvsvn", 255));
      parsed.isv_svn = static_cast<uint8_t>(svn);
      CLOISTER_ASSIGN_OR_RETURN(parsed.tcb_date, json::required_string(level, "tcbDate"));
      CLOISTER_ASSIGN_OR_RETURN(parsed.status, json::required_string(level, "tcbStatus"));
      identity.levels.push_back(std::move(parsed));
    }
  }
  return identity;
}

Result<Json> parse_inner(std::string_view body, std::string_view what) {
  return json::parse_object(body, what);
}

}  // namespace

Result<SignedDocument> split_signed_document(std::string_view text, std::string_view key) {
  RawJsonScanner scanner(text);
  CLOISTER_TRY(scanner.expect('{'));
  std::optional<std::string_view> body;
  std::optional<std::string_view> signature;
  if (scanner.peek('}')) return scanner.error("empty document");
  while (true) {
    CLOISTER_ASSIGN_OR_RETURN(std::string_view name, scanner.read_string());
    CLOISTER_TRY(scanner.expect(':'));
    scanner.skip_space();
    size_t start = scanner.position();
    if (name == "signature") {
      CLOISTER_ASSIGN_OR_RETURN(std::string_view value, scanner.read_string());
      if (signature) return scanner.error("duplicate \"signature\"");
      signature = value;
    } else {
      CLOISTER_TRY(scanner.skip_value(1));
      if (name == key) {
        if (body) return scanner.error("duplicate \"" + std::string(key) + "\"");
        body = text.substr(start, scanner.position() - start);
      }
    }
    if (scanner.peek(',')) {
      CLOISTER_TRY(scanner.expect(','));
      continue;
    }
    CLOISTER_TRY(scanner.expect('}'));
    break;
  }
  if (!scanner.at_end()) return scanner.error("trailing characters");
  if (!body || body->empty() || body->front() != '{') {
    return Error(ErrorCode::kMalformed, "collateral lacks the \"" + std::string(key) + "\" object");
  }
  if (!signature) return Error(ErrorCode::kMalformed, "collateral lacks \"signature\"");
  auto signature_bytes = hex_decode(*signature);
  if (!signature_bytes.ok() || signature_bytes->size() != 64) {
    return Error(ErrorCode::kMalformed, "collateral signature must be 64 bytes of hex");
  }
  SignedDocument document;
  document.body = std::string(*body);
  std::copy(signature_bytes->begin(), signature_bytes->end(), document.signature.begin());
  return document;
}

Result<TcbInfo> parse_tcb_info(std::string_view body) {
  CLOISTER_ASSIGN_OR_RETURN(Json object, parse_inner(body, "tcbInfo"));
  TcbInfo info;
  CLOISTER_ASSIGN_OR_RETURN(info.id, json::required_string(object, "id"));
  CLOISTER_ASSIGN_OR_RETURN(uint64_t version, json::required_uint(object, "version", 100));
  info.version = static_cast<uint32_t>(version);
  CLOISTER_ASSIGN_OR_RETURN(info.issue_date, read_time(object, "issueDate"));
  CLOISTER_ASSIGN_OR_RETURN(info.next_update, read_time(object, "nextUpdate"));
  CLOISTER_ASSIGN_OR_RETURN(info.fmspc, read_fixed_hex<6>(object, "fmspc"));
  CLOISTER_ASSIGN_OR_RETURN(info.pce_id, read_fixed_hex<2>(object, "pceId"));
  CLOISTER_ASSIGN_OR_RETURN(uint64_t number,
                            json::required_uint(object, "tcbEvaluationDataNumber", UINT32_MAX));
  info.evaluation_data_number = static_cast<uint32_t>(number);
  if (object.contains("tdxModule")) {
    CLOISTER_ASSIGN_OR_RETURN(Json module_json,
                              json::required_member(object, "tdxModule", Json::value_t::object));
    CLOISTER_ASSIGN_OR_RETURN(info.tdx_module, read_module(module_json));
  }
  if (object.contains("tdxModuleIdentities")) {
    CLOISTER_ASSIGN_OR_RETURN(
        Json modules, json::required_member(object, "tdxModuleIdentities", Json::value_t::array));
    for (const Json& module_json : modules) {
      CLOISTER_ASSIGN_OR_RETURN(TdxModuleIdentity identity, read_module(module_json));
      info.module_identities.push_back(std::move(identity));
    }
  }
  CLOISTER_ASSIGN_OR_RETURN(Json levels,
                            json::required_member(object, "tcbLevels", Json::value_t::array));
  for (const Json& level : levels) {
    if (!level.is_object()) return Error(ErrorCode::kMalformed, "a TCB level must be an object");
    TdxTcbLevel parsed;
    CLOISTER_ASSIGN_OR_RETURN(Json tcb, json::required_member(level, "tcb", Json::value_t::object));
    CLOISTER_ASSIGN_OR_RETURN(parsed.sgx_components, read_components(tcb, "sgxtcbcomponents"));
    CLOISTER_ASSIGN_OR_RETURN(parsed.tdx_components, read_components(tcb, "tdxtcbcomponents"));
    CLOISTER_ASSIGN_OR_RETURN(uint64_t pce_svn, json::required_uint(tcb, "pcesvn", 65535));
    parsed.pce_svn = static_cast<uint16_t>(pce_svn);
    CLOISTER_ASSIGN_OR_RETURN(parsed.tcb_date, json::required_string(level, "tcbDate"));
    CLOISTER_ASSIGN_OR_RETURN(parsed.status, json::required_string(level, "tcbStatus"));
    CLOISTER_ASSIGN_OR_RETURN(parsed.advisory_ids, read_advisories(level));
    info.levels.push_back(std::move(parsed));
  }
  return info;
}

Result<QeIdentity> parse_qe_identity(std::string_view body) {
  CLOISTER_ASSIGN_OR_RETURN(Json object, parse_inner(body, "enclaveIdentity"));
  QeIdentity identity;
  CLOISTER_ASSIGN_OR_RETURN(identity.id, json::required_string(object, "id"));
  CLOISTER_ASSIGN_OR_RETURN(uint64_t version, json::required_uint(object, "version", 100));
  identity.version = static_cast<uint32_t>(version);
  CLOISTER_ASSIGN_OR_RETURN(identity.issue_date, read_time(object, "issueDate"));
  CLOISTER_ASSIGN_OR_RETURN(identity.next_update, read_time(object, "nextUpdate"));
  CLOISTER_ASSIGN_OR_RETURN(auto misc, read_fixed_hex<4>(object, "miscselect"));
  CLOISTER_ASSIGN_OR_RETURN(auto misc_mask, read_fixed_hex<4>(object, "miscselectMask"));
  identity.misc_select = big_endian_u32(misc);
  identity.misc_select_mask = big_endian_u32(misc_mask);
  CLOISTER_ASSIGN_OR_RETURN(identity.attributes, read_fixed_hex<16>(object, "attributes"));
  CLOISTER_ASSIGN_OR_RETURN(identity.attributes_mask, read_fixed_hex<16>(object, "attributesMask"));
  CLOISTER_ASSIGN_OR_RETURN(identity.mr_signer, read_fixed_hex<32>(object, "mrsigner"));
  CLOISTER_ASSIGN_OR_RETURN(uint64_t prod_id, json::required_uint(object, "isvprodid", 65535));
  identity.isv_prod_id = static_cast<uint16_t>(prod_id);
  CLOISTER_ASSIGN_OR_RETURN(Json levels,
                            json::required_member(object, "tcbLevels", Json::value_t::array));
  for (const Json& level : levels) {
    if (!level.is_object()) return Error(ErrorCode::kMalformed, "a QE TCB level must be an object");
    QeIdentityLevel parsed;
    CLOISTER_ASSIGN_OR_RETURN(Json tcb, json::required_member(level, "tcb", Json::value_t::object));
    CLOISTER_ASSIGN_OR_RETURN(uint64_t svn, json::required_uint(tcb, "isvsvn", 65535));
    parsed.isv_svn = static_cast<uint16_t>(svn);
    CLOISTER_ASSIGN_OR_RETURN(parsed.tcb_date, json::required_string(level, "tcbDate"));
    CLOISTER_ASSIGN_OR_RETURN(parsed.status, json::required_string(level, "tcbStatus"));
    CLOISTER_ASSIGN_OR_RETURN(parsed.advisory_ids, read_advisories(level));
    identity.levels.push_back(std::move(parsed));
  }
  return identity;
}

Bytes encode_collateral(const TdxCollateral& collateral) {
  Json object = {
      {"tcb_info", collateral.tcb_info_json},
      {"qe_identity", collateral.qe_identity_json},
      {"tcb_signing_chain", to_string(collateral.tcb_signing_chain)},
      {"pck_crl", base64_encode(collateral.pck_crl)},
      {"root_crl", base64_encode(collateral.root_crl)},
  };
  return to_bytes(object.dump());
}

Result<TdxCollateral> decode_collateral(ByteSpan bytes) {
  CLOISTER_ASSIGN_OR_RETURN(Json object, json::parse_object(to_string(bytes), "TDX collateral"));
  TdxCollateral collateral;
  CLOISTER_ASSIGN_OR_RETURN(collateral.tcb_info_json, json::required_string(object, "tcb_info"));
  CLOISTER_ASSIGN_OR_RETURN(collateral.qe_identity_json,
                            json::required_string(object, "qe_identity"));
  CLOISTER_ASSIGN_OR_RETURN(std::string chain, json::required_string(object, "tcb_signing_chain"));
  collateral.tcb_signing_chain = to_bytes(chain);
  for (auto [key, out] :
       {std::pair{"pck_crl", &collateral.pck_crl}, std::pair{"root_crl", &collateral.root_crl}}) {
    CLOISTER_ASSIGN_OR_RETURN(std::string text, json::required_string(object, key));
    auto decoded = base64_decode(text);
    if (!decoded.ok()) return decoded.error().with_context(std::string("TDX collateral ") + key);
    *out = std::move(decoded).value();
  }
  return collateral;
}

}  // namespace cloister::attest::tdx
