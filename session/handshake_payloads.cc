#include "session/handshake_payloads.h"

#include <string>

namespace cloister::session {
namespace {

Status check_versions(const std::vector<uint16_t>& versions, bool allow_empty) {
  if ((versions.empty() && !allow_empty) || versions.size() > kMaxOfferedVersions) {
    return Error(ErrorCode::kInvalidArgument, "between 1 and 16 protocol versions are required");
  }
  for (size_t i = 0; i < versions.size(); ++i) {
    if (versions[i] == 0 || (i > 0 && versions[i] <= versions[i - 1])) {
      return Error(ErrorCode::kInvalidArgument,
                   "protocol versions must be non-zero and strictly increasing");
    }
  }
  return ok_status();
}

void put_versions(ByteWriter& out, const std::vector<uint16_t>& versions) {
  out.put_u8(static_cast<uint8_t>(versions.size()));
  for (uint16_t version : versions) out.put_u16be(version);
}

Result<std::vector<uint16_t>> read_versions(ByteReader& in, bool allow_empty) {
  CLOISTER_ASSIGN_OR_RETURN(uint8_t count, in.read_u8("version count"));
  std::vector<uint16_t> versions;
  for (uint8_t i = 0; i < count; ++i) {
    CLOISTER_ASSIGN_OR_RETURN(uint16_t version, in.read_u16be("version"));
    versions.push_back(version);
  }
  Status valid = check_versions(versions, allow_empty);
  if (!valid.ok()) return in.malformed("version list", valid.error().message());
  return versions;
}

Status expect_type(ByteReader& in, PayloadType expected, const char* name) {
  CLOISTER_ASSIGN_OR_RETURN(uint8_t type, in.read_u8("payload type"));
  if (type != static_cast<uint8_t>(expected)) {
    return Error(ErrorCode::kMalformed,
                 std::string("expected a ") + name + " payload, got type " + std::to_string(type));
  }
  return ok_status();
}

}  // namespace

Result<Bytes> encode_client_hello(const ClientHello& hello) {
  CLOISTER_TRY(check_versions(hello.versions, false));
  ByteWriter out;
  out.put_u8(static_cast<uint8_t>(PayloadType::kClientHello));
  put_versions(out, hello.versions);
  out.put_u8(hello.nonce ? 1 : 0);
  if (hello.nonce) out.put_bytes(*hello.nonce);
  return out.take();
}

Result<ClientHello> decode_client_hello(ByteSpan payload) {
  ByteReader in(payload);
  CLOISTER_TRY(expect_type(in, PayloadType::kClientHello, "ClientHello"));
  ClientHello hello;
  CLOISTER_ASSIGN_OR_RETURN(hello.versions, read_versions(in, false));
  CLOISTER_ASSIGN_OR_RETURN(uint8_t has_nonce, in.read_u8("nonce flag"));
  if (has_nonce > 1) return in.malformed("nonce flag", "must be 0 or 1");
  if (has_nonce == 1) {
    hello.nonce.emplace();
    CLOISTER_TRY(in.read_into(*hello.nonce, "nonce"));
  }
  CLOISTER_TRY(in.expect_end("ClientHello"));
  return hello;
}

Result<Bytes> encode_server_hello(const ServerHello& hello) {
  if (hello.version == 0 || hello.evidence_bundle.empty()) {
    return Error(ErrorCode::kInvalidArgument, "ServerHello needs a version and evidence");
  }
  ByteWriter out;
  out.put_u8(static_cast<uint8_t>(PayloadType::kServerHello));
  out.put_u16be(hello.version);
  CLOISTER_TRY(
      out.put_prefixed(4, [&](ByteWriter& body) { body.put_bytes(hello.evidence_bundle); }));
  return out.take();
}

Result<Bytes> encode_server_reject(const ServerReject& reject) {
  CLOISTER_TRY(check_versions(reject.supported_versions, true));
  if (reject.reason.size() > kMaxReasonSize || !is_valid_utf8(as_bytes(reject.reason))) {
    return Error(ErrorCode::kInvalidArgument, "rejection reason must be UTF-8, at most 1024 bytes");
  }
  ByteWriter out;
  out.put_u8(static_cast<uint8_t>(PayloadType::kServerReject));
  out.put_u16be(reject.code);
  put_versions(out, reject.supported_versions);
  CLOISTER_TRY(out.put_prefixed(2, [&](ByteWriter& body) { body.put_string(reject.reason); }));
  return out.take();
}

Result<ServerResponse> decode_server_response(ByteSpan payload) {
  ByteReader in(payload);
  CLOISTER_ASSIGN_OR_RETURN(uint8_t type, in.read_u8("payload type"));
  ServerResponse response;
  if (type == static_cast<uint8_t>(PayloadType::kServerHello)) {
    ServerHello hello;
    CLOISTER_ASSIGN_OR_RETURN(hello.version, in.read_u16be("selected version"));
    if (hello.version == 0) return in.malformed("selected version", "is zero");
    CLOISTER_ASSIGN_OR_RETURN(ByteReader bundle, in.read_u32be_prefixed("evidence bundle"));
    if (bundle.empty()) return in.malformed("evidence bundle", "is empty");
    hello.evidence_bundle = to_bytes(bundle.read_rest());
    response.hello = std::move(hello);
  } else if (type == static_cast<uint8_t>(PayloadType::kServerReject)) {
    ServerReject reject;
    CLOISTER_ASSIGN_OR_RETURN(reject.code, in.read_u16be("rejection code"));
    CLOISTER_ASSIGN_OR_RETURN(reject.supported_versions, read_versions(in, true));
    CLOISTER_ASSIGN_OR_RETURN(ByteReader reason, in.read_u16be_prefixed("rejection reason"));
    ByteSpan text = reason.read_rest();
    if (text.size() > kMaxReasonSize || !is_valid_utf8(text)) {
      return in.malformed("rejection reason", "is not UTF-8 of at most 1024 bytes");
    }
    reject.reason = to_string(text);
    response.reject = std::move(reject);
  } else {
    return Error(
        ErrorCode::kMalformed,
        "expected a ServerHello or ServerReject payload, got type " + std::to_string(type));
  }
  CLOISTER_TRY(in.expect_end("handshake message 2 payload"));
  return response;
}

Result<Bytes> encode_client_finish(const ClientFinish& finish) {
  if (finish.authorization_token.size() > kMaxAuthorizationTokenSize) {
    return Error(ErrorCode::kInvalidArgument, "authorization token exceeds 4096 bytes");
  }
  ByteWriter out;
  out.put_u8(static_cast<uint8_t>(PayloadType::kClientFinish));
  CLOISTER_TRY(
      out.put_prefixed(2, [&](ByteWriter& body) { body.put_bytes(finish.authorization_token); }));
  return out.take();
}

Result<ClientFinish> decode_client_finish(ByteSpan payload) {
  ByteReader in(payload);
  CLOISTER_TRY(expect_type(in, PayloadType::kClientFinish, "ClientFinish"));
  CLOISTER_ASSIGN_OR_RETURN(ByteReader token, in.read_u16be_prefixed("authorization token"));
  if (token.remaining() > kMaxAuthorizationTokenSize) {
    return in.malformed("authorization token", "exceeds 4096 bytes");
  }
  ClientFinish finish;
  finish.authorization_token = to_bytes(token.read_rest());
  CLOISTER_TRY(in.expect_end("ClientFinish"));
  return finish;
}

}  // namespace cloister::session
