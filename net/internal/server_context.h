// Private to net/: what every connection of one HttpServer shares.
#pragma once

#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>

#include "net/http_server.h"
#include "net/internal/asio.h"
#include "net/internal/connections.h"

namespace cloister::net {

struct ServerContext {
  ServerContext(Router router_in, ServerOptions options_in, RequestObserver observer_in)
      : options(std::move(options_in)),
        router(std::move(router_in)),
        observer(std::move(observer_in)),
        handlers(std::max<size_t>(options.handler_threads, 1)),
        tracker(std::make_shared<ConnectionTracker>(options.max_connections)) {}

  ServerOptions options;
  Router router;
  RequestObserver observer;
  asio::thread_pool handlers;
  std::shared_ptr<asio::ssl::context> tls;  // null: plain HTTP
  std::shared_ptr<ConnectionTracker> tracker;
};

// Serves HTTP on an accepted socket until the client leaves or the connection
// is upgraded to a WebSocket. Holds `lease` for as long as it lives.
void serve_connection(tcp::socket socket, const std::shared_ptr<ServerContext>& server,
                      std::shared_ptr<ConnectionLease> lease);

}  // namespace cloister::net
