// The host's HTTP API, route by route. Every JSON API route is rate-limited
// per client address before it runs; see docs/deployment.md for the wire
// format of each.
#pragma once

#include "host/api/context.h"
#include "net/router.h"

namespace cloister::host {

// POST /v1/auth/challenge, POST /v1/auth/token, POST /v1/auth/sign-out,
// GET /v1/account.
Status add_auth_routes(net::Router& router, HostContext& context);
// GET /v1/slots, PUT|GET|DELETE /v1/slots/{lookup_id}.
Status add_slot_routes(net::Router& router, HostContext& context);
// GET /v1/blobs?since=&limit=, PUT|GET|DELETE /v1/blobs/{id}.
Status add_blob_routes(net::Router& router, HostContext& context);
// GET /v1/session (WebSocket): the relay to an enclave replica.
Status add_session_route(net::Router& router, HostContext& context);
// GET /healthz and GET /metrics.
Status add_service_routes(net::Router& router, HostContext& context);
// GET /{path*}: the web app's static files (must be added last).
Status add_static_routes(net::Router& router, HostContext& context);

// Wraps `handler` with the per-client request limit.
net::Handler limited(HostContext& context, net::Handler handler);

}  // namespace cloister::host
