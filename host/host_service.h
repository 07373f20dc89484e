// The whole host service: the HTTP and WebSocket server with every route,
// the replica health checker, and the periodic purge of expired rows.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "host/config.h"
#include "host/host_metrics.h"
#include "host/relay/replica_pool.h"
#include "host/store/store.h"
#include "net/http_message.h"

namespace cloister::host {

class HostService {
 public:
  // Serves `config` from `store`, which must already be at the current
  // schema. Binds the listening socket before returning.
  static Result<std::unique_ptr<HostService>> start(const HostConfig& config,
                                                    std::unique_ptr<Store> store,
                                                    const Clock& clock = system_clock());
  // Stops (see stop()).
  ~HostService();
  HostService(const HostService&) = delete;
  HostService& operator=(const HostService&) = delete;

  uint16_t port() const;
  // Stops accepting, closes sessions (1001), and joins every thread.
  void stop();

  // The service's parts, for tests and the admin tools.
  HostMetrics& metrics();
  ReplicaPool& replicas();
  Store& store();

 private:
  struct Parts;
  explicit HostService(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Returns the headers every response carries: a strict Content Security
// Policy for the web app, no sniffing, no framing, no referrer, cross-origin
// isolation, and HSTS when served over TLS.
net::Headers security_headers(bool tls);

}  // namespace cloister::host
