// Routing by method and path pattern. Patterns are literal segments, named
// segments ("{id}") and an optional final rest segment ("{path*}"). Routes are
// tried in the order they were added; the first match wins.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_message.h"

namespace cloister::net {

class WebSocket;

// Per-route overrides of the server's limits.
struct RouteOptions {
  std::optional<size_t> max_body_bytes;     // default: ServerOptions::max_body_bytes
  std::optional<size_t> max_message_bytes;  // WebSocket routes: default WebSocketOptions
};

// Handles one request. Runs on a handler thread, so it may block (e.g. on a
// database); it must not block on the server's own I/O.
using Handler = std::function<HttpResponse(HttpRequest&)>;

// Called on the connection's strand once a WebSocket handshake completes. It
// must not block; it typically starts an async_read loop.
using WebSocketOpenHandler = std::function<void(std::shared_ptr<WebSocket>)>;

// A handler's decision on a WebSocket upgrade request.
struct WebSocketUpgrade {
  std::optional<HttpResponse> refusal;  // set: answer with this instead
  WebSocketOpenHandler on_open;
  Headers headers;  // extra handshake response headers, e.g. Sec-WebSocket-Protocol

  // Accepts the upgrade; `on_open` receives the connected WebSocket.
  static WebSocketUpgrade accept(WebSocketOpenHandler on_open);
  // Refuses the upgrade with an ordinary HTTP response.
  static WebSocketUpgrade refuse(HttpResponse response);
};

// Decides on a WebSocket upgrade. Runs on a handler thread and may block (e.g.
// to connect to an upstream first).
using UpgradeHandler = std::function<WebSocketUpgrade(HttpRequest&)>;

class Router {
 public:
  struct Segment {
    enum class Kind { kLiteral, kParam, kRest };
    Kind kind;
    std::string text;  // the literal, or the parameter's name
  };

  struct Route {
    Method method = Method::kGet;
    bool websocket = false;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
    UpgradeHandler upgrade;
    RouteOptions options;
  };

  enum class Outcome { kFound, kNotFound, kMethodNotAllowed, kUpgradeRequired };

  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Route* route = nullptr;  // set when kFound
    std::vector<std::pair<std::string, std::string>> params;
    std::string allow;  // for kMethodNotAllowed: e.g. "GET, PUT"
  };

  // Adds an HTTP route. Fails with kInvalidArgument on a malformed pattern.
  Status add(Method method, std::string_view pattern, Handler handler, RouteOptions options = {});
  // Adds a WebSocket route, reached by a GET carrying an upgrade request.
  Status add_websocket(std::string_view pattern, UpgradeHandler handler, RouteOptions options = {});

  // Finds the route for `method` and the still-encoded `path`, decoding its
  // parameters. `upgrade` says whether the request asks for a WebSocket.
  // Fails with kMalformed if a parameter does not decode cleanly.
  Result<Match> match(Method method, std::string_view path, bool upgrade) const;

  // Returns the routes in the order they were added.
  const std::vector<Route>& routes() const { return routes_; }

 private:
  Status add_route(Route route, std::string_view pattern);

  std::vector<Route> routes_;
};

}  // namespace cloister::net
