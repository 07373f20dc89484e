#include "client/account/host_client.h"

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/encoding.h"
#include "base/json_fields.h"
#include "client/keys/account_keys.h"

namespace cloister::client {
namespace {

using nlohmann::json;

constexpr std::string_view kSignInLabel = "cloister-host/sign-in/v1";

// Maps a host error response to an Error with the host's message.
Error host_error(const net::HttpResponse& response, std::string_view what) {
  std::string message = "HTTP " + std::to_string(response.status);
  json body = json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    message = string_member(body["error"], "message", message);
  }
  ErrorCode code = ErrorCode::kUnavailable;
  switch (response.status) {
    case 400: code = ErrorCode::kInvalidArgument; break;
    case 401: code = ErrorCode::kPermissionDenied; break;
    case 404: code = ErrorCode::kNotFound; break;
    case 409:
    case 412: code = ErrorCode::kConflict; break;
    case 410: code = ErrorCode::kFailedPrecondition; break;
    case 413:
    case 429:
    case 507: code = ErrorCode::kResourceExhausted; break;
    default: break;
  }
  return Error(code, std::string(what) + ": " + message);
}

Result<json> parse_json(const net::HttpResponse& response, std::string_view what) {
  json body = json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Error(ErrorCode::kMalformed, std::string(what) + ": the host's answer is not JSON");
  }
  return body;
}

Result<LookupId> lookup_from_text(std::string_view text) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes bytes, base64url_decode(text));
  if (bytes.size() != LookupId{}.size()) return Error(ErrorCode::kMalformed, "bad lookup id");
  LookupId id{};
  std::copy(bytes.begin(), bytes.end(), id.begin());
  return id;
}

Result<uint64_t> etag_version(const net::HttpResponse& response) {
  auto tag = response.headers.get("ETag");
  if (!tag || tag->size() < 3 || tag->front() != '"' || tag->back() != '"') {
    return Error(ErrorCode::kMalformed, "the host sent no version (ETag)");
  }
  uint64_t version = 0;
  for (char c : tag->substr(1, tag->size() - 2)) {
    if (c < '0' || c > '9') return Error(ErrorCode::kMalformed, "bad ETag");
    version = version * 10 + static_cast<uint64_t>(c - '0');
  }
  return version;
}

}  // namespace

Bytes sign_in_message(std::string_view origin, ByteSpan challenge, ByteSpan public_key) {
  Bytes message(kSignInLabel.begin(), kSignInLabel.end());
  message.push_back(0);
  message.push_back(static_cast<uint8_t>(origin.size() >> 8));
  message.push_back(static_cast<uint8_t>(origin.size() & 0xff));
  message.insert(message.end(), origin.begin(), origin.end());
  message.insert(message.end(), challenge.begin(), challenge.end());
  message.insert(message.end(), public_key.begin(), public_key.end());
  return message;
}

Result<std::unique_ptr<HostClient>> HostClient::create(std::string origin, std::string ca_file) {
  while (!origin.empty() && origin.back() == '/') origin.pop_back();
  if (!origin.starts_with("http://") && !origin.starts_with("https://")) {
    return Error(ErrorCode::kInvalidArgument, "the host URL must start with http:// or https://");
  }
  net::HttpClientOptions options;
  options.ca_file = std::move(ca_file);
  options.request_timeout = std::chrono::seconds(30);
  CLOISTER_ASSIGN_OR_RETURN(net::HttpClient http, net::HttpClient::create(origin, options));
  return std::unique_ptr<HostClient>(new HostClient(std::move(origin), std::move(http)));
}

Result<net::HttpResponse> HostClient::send(net::Method method, std::string target, std::string body,
                                           net::Headers headers) {
  net::HttpRequest request;
  request.method = method;
  request.target = std::move(target);
  request.body = std::move(body);
  request.headers = std::move(headers);
  if (!request.body.empty() && !request.headers.contains("Content-Type")) {
    request.headers.set("Content-Type", "application/json");
  }
  if (!token_.empty()) request.headers.set("Authorization", "Bearer " + token_);
  std::lock_guard lock(mutex_);
  Result<net::HttpResponse> response = http_.send(request);
  if (!response.ok()) return response.error().with_context("cannot reach the host " + origin_);
  return response;
}

Status HostClient::sign_in(const crypto::Ed25519KeyPair& identity) {
  const std::string account = account_id(identity.public_key);
  CLOISTER_ASSIGN_OR_RETURN(net::HttpResponse issued, send(net::Method::kPost, "/v1/auth/challenge",
                                                           json{{"public_key", account}}.dump()));
  if (issued.status != 200) return host_error(issued, "sign-in challenge");
  CLOISTER_ASSIGN_OR_RETURN(json body, parse_json(issued, "sign-in challenge"));
  if (!body.contains("challenge") || !body["challenge"].is_string()) {
    return Error(ErrorCode::kMalformed, "sign-in challenge: no challenge");
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes challenge,
                            base64url_decode(body["challenge"].get<std::string>()));
  // Bound to the origin this client connected to, not the one the host names.
  const Bytes message = sign_in_message(origin_, challenge, identity.public_key);
  const auto signature = crypto::ed25519_sign(identity.seed, message);
  json answer{{"public_key", account},
              {"challenge", base64url_encode(challenge)},
              {"signature", base64url_encode(signature)}};
  CLOISTER_ASSIGN_OR_RETURN(net::HttpResponse granted,
                            send(net::Method::kPost, "/v1/auth/token", answer.dump()));
  if (granted.status != 200) return host_error(granted, "sign-in");
  CLOISTER_ASSIGN_OR_RETURN(json token, parse_json(granted, "sign-in"));
  if (!token.contains("token") || !token["token"].is_string()) {
    return Error(ErrorCode::kMalformed, "sign-in: no token");
  }
  token_ = token["token"].get<std::string>();
  return ok_status();
}

Result<WrappedSlot> HostClient::get_slot(const LookupId& lookup_id) {
  CLOISTER_ASSIGN_OR_RETURN(net::HttpResponse response,
                            send(net::Method::kGet, "/v1/slots/" + base64url_encode(lookup_id)));
  if (response.status == 404) {
    return Error(ErrorCode::kNotFound,
                 "no key slot matches (wrong secret, or the slot was removed)");
  }
  if (response.status != 200) return host_error(response, "key slot");
  CLOISTER_ASSIGN_OR_RETURN(json body, parse_json(response, "key slot"));
  try {
    WrappedSlot slot;
    CLOISTER_ASSIGN_OR_RETURN(slot.kind, parse_slot_kind(body.at("kind").get<std::string>()));
    CLOISTER_ASSIGN_OR_RETURN(slot.lookup_id,
                              lookup_from_text(body.at("lookup_id").get<std::string>()));
    CLOISTER_ASSIGN_OR_RETURN(slot.account,
                              parse_account_id(body.at("account").get<std::string>()));
    CLOISTER_ASSIGN_OR_RETURN(slot.sealed, base64url_decode(body.at("wrapped").get<std::string>()));
    if (slot.lookup_id != lookup_id) {
      return Error(ErrorCode::kRejected, "the host answered with another slot");
    }
    return slot;
  } catch (const json::exception&) {
    return Error(ErrorCode::kMalformed, "key slot: missing or mistyped fields");
  }
}

Status HostClient::put_slot(const WrappedSlot& slot) {
  json body{{"kind", std::string(slot_kind_name(slot.kind))},
            {"wrapped", base64url_encode(slot.sealed)}};
  CLOISTER_ASSIGN_OR_RETURN(
      net::HttpResponse response,
      send(net::Method::kPut, "/v1/slots/" + base64url_encode(slot.lookup_id), body.dump()));
  if (response.status != 201 && response.status != 200)
    return host_error(response, "adding a key slot");
  return ok_status();
}

Result<std::vector<SlotInfo>> HostClient::list_slots() {
  CLOISTER_ASSIGN_OR_RETURN(net::HttpResponse response, send(net::Method::kGet, "/v1/slots"));
  if (response.status != 200) return host_error(response, "listing key slots");
  CLOISTER_ASSIGN_OR_RETURN(json body, parse_json(response, "key slots"));
  std::vector<SlotInfo> slots;
  try {
    for (const json& item : body.at("slots")) {
      SlotInfo info;
      CLOISTER_ASSIGN_OR_RETURN(info.lookup_id,
                                lookup_from_text(item.at("lookup_id").get<std::string>()));
      CLOISTER_ASSIGN_OR_RETURN(info.kind, parse_slot_kind(item.at("kind").get<std::string>()));
      info.created_at_ms = item.value("created_at_ms", int64_t{0});
      slots.push_back(info);
    }
  } catch (const json::exception&) {
    return Error(ErrorCode::kMalformed, "key slots: missing or mistyped fields");
  }
  return slots;
}

Status HostClient::delete_slot(const LookupId& lookup_id) {
  CLOISTER_ASSIGN_OR_RETURN(net::HttpResponse response,
                            send(net::Method::kDelete, "/v1/slots/" + base64url_encode(lookup_id)));
  if (response.status != 204 && response.status != 200) {
    return host_error(response, "removing a key slot");
  }
  return ok_status();
}

Result<BlobVersion> HostClient::get_blob(const std::string& id) {
  CLOISTER_ASSIGN_OR_RETURN(net::HttpResponse response, send(net::Method::kGet, "/v1/blobs/" + id));
  if (response.status != 200) return host_error(response, "reading " + id);
  CLOISTER_ASSIGN_OR_RETURN(uint64_t version, etag_version(response));
  return BlobVersion{to_bytes(response.body), version};
}

Result<uint64_t> HostClient::create_blob(const std::string& id, ByteSpan data) {
  net::Headers headers;
  headers.set("If-None-Match", "*");
  headers.set("Content-Type", "application/octet-stream");
  CLOISTER_ASSIGN_OR_RETURN(net::HttpResponse response, send(net::Method::kPut, "/v1/blobs/" + id,
                                                             to_string(data), std::move(headers)));
  if (response.status != 201) return host_error(response, "creating " + id);
  return etag_version(response);
}

Result<uint64_t> HostClient::update_blob(const std::string& id, ByteSpan data,
                                         uint64_t expected_version) {
  net::Headers headers;
  headers.set("If-Match", "\"" + std::to_string(expected_version) + "\"");
  headers.set("Content-Type", "application/octet-stream");
  CLOISTER_ASSIGN_OR_RETURN(net::HttpResponse response, send(net::Method::kPut, "/v1/blobs/" + id,
                                                             to_string(data), std::move(headers)));
  if (response.status != 200) return host_error(response, "updating " + id);
  return etag_version(response);
}

Status HostClient::delete_blob(const std::string& id, std::optional<uint64_t> expected_version) {
  net::Headers headers;
  if (expected_version) headers.set("If-Match", "\"" + std::to_string(*expected_version) + "\"");
  CLOISTER_ASSIGN_OR_RETURN(net::HttpResponse response,
                            send(net::Method::kDelete, "/v1/blobs/" + id, {}, std::move(headers)));
  if (response.status != 200 && response.status != 204)
    return host_error(response, "deleting " + id);
  return ok_status();
}

Result<std::vector<BlobChange>> HostClient::changes_since(uint64_t& cursor) {
  std::vector<BlobChange> changes;
  for (int page = 0; page < 10000; ++page) {
    CLOISTER_ASSIGN_OR_RETURN(
        net::HttpResponse response,
        send(net::Method::kGet, "/v1/blobs?since=" + std::to_string(cursor) + "&limit=1000"));
    if (response.status != 200) return host_error(response, "listing changes");
    CLOISTER_ASSIGN_OR_RETURN(json body, parse_json(response, "changes"));
    try {
      for (const json& item : body.at("changes")) {
        changes.push_back({item.at("id").get<std::string>(), item.at("version").get<uint64_t>(),
                           item.at("deleted").get<bool>(),
                           item.value("updated_at_ms", int64_t{0})});
      }
      cursor = body.at("cursor").get<uint64_t>();
      if (!body.at("more").get<bool>()) return changes;
    } catch (const json::exception&) {
      return Error(ErrorCode::kMalformed, "changes: missing or mistyped fields");
    }
  }
  return Error(ErrorCode::kResourceExhausted, "the change feed does not end");
}

}  // namespace cloister::client
