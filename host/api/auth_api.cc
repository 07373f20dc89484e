// Sign-in by challenge and signature, sign-out, and the account summary.
#include "base/encoding.h"
#include "crypto/curve25519.h"
#include "host/api/api_support.h"
#include "host/api/routes.h"

namespace cloister::host {
namespace {

using net::HttpRequest;
using net::HttpResponse;
using net::Method;

HttpResponse issue_challenge(HostContext& context, HttpRequest& request) {
  if (auto refused = over_limit(context, context.limits.sign_ins,
                                client_key(client_address(context, request)), "sign_ins")) {
    return *refused;
  }
  auto body = parse_json_object(request);
  if (!body.ok()) return api_error(body.error());
  auto key = read_base64url_field(*body, "public_key", crypto::kEd25519PublicKeySize);
  if (!key.ok()) return api_error(key.error());
  auto challenge = context.accounts.issue_challenge(*key);
  if (!challenge.ok()) return api_error(challenge.error());
  return json_response(200, {{"challenge", base64url_encode(challenge->challenge)},
                             {"expires_at", format_rfc3339(challenge->expires)},
                             {"origin", context.accounts.origin()}});
}

HttpResponse exchange_token(HostContext& context, HttpRequest& request) {
  if (auto refused = over_limit(context, context.limits.sign_ins,
                                client_key(client_address(context, request)), "sign_ins")) {
    return *refused;
  }
  auto body = parse_json_object(request);
  if (!body.ok()) return api_error(body.error());
  auto key = read_base64url_field(*body, "public_key", crypto::kEd25519PublicKeySize);
  if (!key.ok()) return api_error(key.error());
  auto challenge = read_base64url_field(*body, "challenge", kChallengeBytes);
  if (!challenge.ok()) return api_error(challenge.error());
  auto signature = read_base64url_field(*body, "signature", crypto::kEd25519SignatureSize);
  if (!signature.ok()) return api_error(signature.error());
  auto token = context.accounts.sign_in(*key, *challenge, *signature);
  if (!token.ok()) return api_error(token.error());
  return json_response(200, {{"token", token->token},
                             {"expires_at", format_rfc3339(token->expires)},
                             {"account", base64url_encode(*key)}});
}

HttpResponse sign_out(HostContext& context, HttpRequest& request) {
  auto account = authenticate(context, request);
  if (!account.ok()) return api_error(account.error());
  auto signed_out = context.accounts.sign_out(*request.bearer_token());
  if (!signed_out.ok()) return api_error(signed_out.error());
  return HttpResponse::empty(204);
}

HttpResponse account_summary(HostContext& context, HttpRequest& request) {
  auto account = authenticate(context, request);
  if (!account.ok()) return api_error(account.error());
  auto usage = context.store.usage(*account);
  if (!usage.ok()) return api_error(usage.error());
  return json_response(200, {{"account", base64url_encode(*account)},
                             {"used_bytes", usage->bytes},
                             {"blob_count", usage->blobs},
                             {"slot_count", usage->slots},
                             {"max_bytes", context.config.quotas.max_bytes_per_account},
                             {"max_blobs", context.config.quotas.max_blobs_per_account},
                             {"max_blob_bytes", context.config.limits.max_blob_bytes},
                             {"max_slots", context.config.limits.max_slots_per_account}});
}

}  // namespace

net::Handler limited(HostContext& context, net::Handler handler) {
  return [&context, handler = std::move(handler)](HttpRequest& request) -> HttpResponse {
    if (auto refused = over_limit(context, context.limits.requests,
                                  client_key(client_address(context, request)), "requests")) {
      return *refused;
    }
    return handler(request);
  };
}

Status add_auth_routes(net::Router& router, HostContext& context) {
  auto bind = [&context](HttpResponse (*handler)(HostContext&, HttpRequest&)) {
    return limited(context,
                   [&context, handler](HttpRequest& request) { return handler(context, request); });
  };
  CLOISTER_TRY(router.add(Method::kPost, "/v1/auth/challenge", bind(issue_challenge)));
  CLOISTER_TRY(router.add(Method::kPost, "/v1/auth/token", bind(exchange_token)));
  CLOISTER_TRY(router.add(Method::kPost, "/v1/auth/sign-out", bind(sign_out)));
  CLOISTER_TRY(router.add(Method::kGet, "/v1/account", bind(account_summary)));
  return ok_status();
}

}  // namespace cloister::host
