// Key slots: the client's wrapped root secret, one per unlock method, found
// by a lookup id derived from the unlocking secret. Fetching needs no token (a
// new device has none) but is rate-limited per client and per lookup id, so
// guessing a passphrase online costs a rate-limited request per guess on top
// of the client-side Argon2id work (see docs/deployment.md).
#include "base/encoding.h"
#include "host/api/api_support.h"
#include "host/api/request_parsing.h"
#include "host/api/routes.h"

namespace cloister::host {
namespace {

using net::HttpRequest;
using net::HttpResponse;
using net::Method;

HttpResponse get_slot(HostContext& context, HttpRequest& request) {
  auto id = parse_lookup_id(request.param("lookup_id"));
  if (!id.ok()) return api_error(id.error());
  if (auto refused = over_limit(context, context.limits.slot_lookups,
                                client_key(client_address(context, request)), "slot_lookups")) {
    return *refused;
  }
  if (auto refused = over_limit(context, context.limits.slot_lookups_per_id,
                                std::string(request.param("lookup_id")), "slot_lookups_per_id")) {
    return *refused;
  }
  auto slot = context.store.get_slot(*id);
  if (!slot.ok()) return api_error(slot.error());
  return json_response(200, {{"lookup_id", base64url_encode(slot->lookup_id)},
                             {"kind", slot_kind_name(slot->kind)},
                             {"wrapped", base64url_encode(slot->wrapped)},
                             {"account", base64url_encode(slot->account)},
                             {"created_at_ms", slot->created_ms}});
}

HttpResponse put_slot(HostContext& context, HttpRequest& request) {
  auto account = authenticate(context, request);
  if (!account.ok()) return api_error(account.error());
  auto id = parse_lookup_id(request.param("lookup_id"));
  if (!id.ok()) return api_error(id.error());
  auto body = parse_json_object(request);
  if (!body.ok()) return api_error(body.error());
  auto kind_name = read_string_field(*body, "kind");
  if (!kind_name.ok()) return api_error(kind_name.error());
  auto kind = parse_slot_kind(*kind_name);
  if (!kind.ok()) return api_error(kind.error());
  auto wrapped =
      read_base64url_field(*body, "wrapped", 0, context.config.limits.max_wrapped_key_bytes);
  if (!wrapped.ok()) return api_error(wrapped.error());
  KeySlot slot{*id, *account, *kind, std::move(*wrapped), to_unix_ms(context.clock.now())};
  auto stored = context.store.put_slot(slot, context.config.limits.max_slots_per_account);
  // Both "lookup id taken" and "too many slots" are conflicts with the
  // account's current state.
  if (!stored.ok()) return api_error(stored.error(), 409);
  HttpResponse response = json_response(201, {{"lookup_id", base64url_encode(slot.lookup_id)},
                                              {"kind", slot_kind_name(slot.kind)},
                                              {"created_at_ms", slot.created_ms}});
  return response;
}

HttpResponse list_slots(HostContext& context, HttpRequest& request) {
  auto account = authenticate(context, request);
  if (!account.ok()) return api_error(account.error());
  auto slots = context.store.list_slots(*account);
  if (!slots.ok()) return api_error(slots.error());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& slot : *slots) {
    items.push_back({{"lookup_id", base64url_encode(slot.lookup_id)},
                     {"kind", slot_kind_name(slot.kind)},
                     {"created_at_ms", slot.created_ms}});
  }
  return json_response(200, {{"slots", items}});
}

HttpResponse delete_slot(HostContext& context, HttpRequest& request) {
  auto account = authenticate(context, request);
  if (!account.ok()) return api_error(account.error());
  auto id = parse_lookup_id(request.param("lookup_id"));
  if (!id.ok()) return api_error(id.error());
  auto slots = context.store.list_slots(*account);
  if (!slots.ok()) return api_error(slots.error());
  // Removing the last way in would lock the account's owner out for good.
  if (slots->size() == 1 && slots->front().lookup_id == *id) {
    return api_error(Error(ErrorCode::kFailedPrecondition,
                           "refusing to remove the account's last key slot; add another first"),
                     409);
  }
  auto removed = context.store.delete_slot(*account, *id);
  if (!removed.ok()) return api_error(removed.error());
  return HttpResponse::empty(204);
}

}  // namespace

Status add_slot_routes(net::Router& router, HostContext& context) {
  auto bind = [&context](HttpResponse (*handler)(HostContext&, HttpRequest&)) {
    return limited(context,
                   [&context, handler](HttpRequest& request) { return handler(context, request); });
  };
  CLOISTER_TRY(router.add(Method::kGet, "/v1/slots", bind(list_slots)));
  CLOISTER_TRY(router.add(Method::kGet, "/v1/slots/{lookup_id}", bind(get_slot)));
  CLOISTER_TRY(router.add(Method::kPut, "/v1/slots/{lookup_id}", bind(put_slot)));
  CLOISTER_TRY(router.add(Method::kDelete, "/v1/slots/{lookup_id}", bind(delete_slot)));
  return ok_status();
}

}  // namespace cloister::host
