// Pipes one client session to one enclave replica: whole WebSocket messages,
// both ways, without looking inside (they are Noise frames). Each direction
// reads the next message only after the previous one was written, so a slow
// side slows the other through TCP instead of filling the host's memory.
// When either side ends, the other is closed with the same code.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "host/host_metrics.h"
#include "host/limits/rate_limiter.h"
#include "net/websocket.h"

namespace cloister::host {

struct RelayLimits {
  double messages_per_second = 500;  // both directions together
  double message_burst = 1000;
};

// A running relay, as its registry sees it.
class RelayHandle {
 public:
  virtual ~RelayHandle() = default;
  // Drops the relay's two sockets. Only once neither I/O pool runs.
  virtual void sever() = 0;
};

// The relays a host has started. A relay holds a socket of the server's I/O
// pool and one of the upstream pool, and the pools' pending handlers hold the
// relay; whichever pool is destroyed second would destroy, with the relay,
// a socket of the pool already gone. So at shutdown, once both pools have
// stopped, the host severs every relay first (each socket then goes with
// its own pool).
class RelayRegistry {
 public:
  void add(const std::shared_ptr<RelayHandle>& relay);
  // Severs every relay still alive; call only when no I/O pool runs.
  void sever_all();

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<RelayHandle>> relays_;
  size_t prune_at_ = 64;  // ended relays are dropped from the list when it reaches this size
};

// Starts relaying between `client` and `upstream`, and adds the relay to
// `registry`. `holds` (leases on the replica and the client's concurrency
// slots) is released when both directions have ended. Returns at once.
void start_relay(std::shared_ptr<net::WebSocket> client, std::shared_ptr<net::WebSocket> upstream,
                 RelayLimits limits, HostMetrics& metrics, std::shared_ptr<void> holds,
                 RelayRegistry& registry);

// Returns the close status to send one side when the other ended with
// `status` (nullopt: it vanished without a close frame). Codes that must not
// be sent (1005, 1006) become 1001 going away.
net::CloseStatus forwarded_close(const std::optional<net::CloseStatus>& status);

}  // namespace cloister::host
