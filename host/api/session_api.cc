// GET /v1/session: upgrades to a WebSocket and relays it to an enclave
// replica. The host never looks inside the messages.
#include "base/encoding.h"
#include "host/api/api_support.h"
#include "host/api/request_parsing.h"
#include "host/api/routes.h"
#include "host/relay/session_relay.h"

namespace cloister::host {
namespace {

using net::HttpRequest;
using net::HttpResponse;
using net::WebSocketUpgrade;

// Browsers cannot set headers on a WebSocket, so a token may also come as the
// subprotocol "cloister.bearer.<token>", offered beside "cloister.v1".
constexpr std::string_view kProtocol = "cloister.v1";

// Everything a relayed session holds until it ends.
struct SessionHolds {
  std::unique_ptr<ConcurrencyLimiter::Slot> per_ip;
  std::unique_ptr<ConcurrencyLimiter::Slot> per_account;
  std::shared_ptr<void> replica;
};

WebSocketUpgrade refuse(HostContext& context, HttpResponse response, std::string_view why) {
  if (!why.empty()) context.metrics.count_limited(why);
  return WebSocketUpgrade::refuse(std::move(response));
}

WebSocketUpgrade open_session(HostContext& context, HttpRequest& request) {
  std::string client = client_key(client_address(context, request));
  if (auto refused = over_limit(context, context.limits.session_opens, client, "session_opens")) {
    return WebSocketUpgrade::refuse(std::move(*refused));
  }
  OfferedProtocols protocols = read_offered_protocols(request);
  std::optional<std::string> token;
  if (auto bearer = request.bearer_token()) token = std::string(*bearer);
  if (!token) token = protocols.token;
  auto holds = std::make_shared<SessionHolds>();
  if (token) {
    auto account = context.accounts.authenticate(*token);
    if (!account.ok()) return WebSocketUpgrade::refuse(api_error(account.error()));
    holds->per_account =
        context.limits.sessions_per_account.try_acquire(base64url_encode(*account));
    if (!holds->per_account) {
      return refuse(
          context,
          net::json_error(429, "resource_exhausted", "too many open sessions for this account"),
          "sessions_per_account");
    }
  } else if (context.config.relay.require_token) {
    return WebSocketUpgrade::refuse(api_error(
        Error(ErrorCode::kRejected, "a session needs a bearer token (header or subprotocol)")));
  }
  holds->per_ip = context.limits.sessions_per_ip.try_acquire(client);
  if (!holds->per_ip) {
    return refuse(context,
                  net::json_error(429, "resource_exhausted", "too many open sessions from here"),
                  "sessions_per_ip");
  }

  net::WebSocketClientOptions upstream_options;
  upstream_options.websocket.max_message_bytes = context.config.limits.max_message_bytes;
  upstream_options.connect_timeout = context.config.relay.connect_timeout;
  auto upstream = context.replicas.connect(upstream_options);
  if (!upstream.ok()) return WebSocketUpgrade::refuse(api_error(upstream.error(), 503));
  holds->replica = std::move(upstream->lease);

  RelayLimits limits{context.config.limits.messages_per_second,
                     context.config.limits.message_burst};
  WebSocketUpgrade upgrade = WebSocketUpgrade::accept(
      [&metrics = context.metrics, &relays = context.relays, socket = std::move(upstream->socket),
       holds, limits](std::shared_ptr<net::WebSocket> client_socket) {
        start_relay(std::move(client_socket), socket, limits, metrics, holds, relays);
      });
  if (protocols.cloister) upgrade.headers.set("Sec-WebSocket-Protocol", std::string(kProtocol));
  return upgrade;
}

}  // namespace

Status add_session_route(net::Router& router, HostContext& context) {
  net::RouteOptions options;
  options.max_message_bytes = context.config.limits.max_message_bytes;
  return router.add_websocket(
      "/v1/session", [&context](HttpRequest& request) { return open_session(context, request); },
      options);
}

}  // namespace cloister::host
