// Pipes one client session to one enclave replica: whole WebSocket messages,
// both ways, without looking inside (they are Noise frames). Each direction
// reads the next message only after the previous one was written, so a slow
// side slows the other through TCP instead of filling the host's memory.
// When either side ends, the other is closed with the same code.
#pragma once

#include <chrono>
#include <memory>

#include "host/host_metrics.h"
#include "host/limits/rate_limiter.h"
#include "net/websocket.h"

namespace cloister::host {

struct RelayLimits {
  double messages_per_second = 500;  // both directions together
  double message_burst = 1000;
};

// Starts relaying between `client` and `upstream`. `holds` (leases on the
// replica and the client's concurrency slots) is released when both
// directions have ended. Returns at once.
void start_relay(std::shared_ptr<net::WebSocket> client, std::shared_ptr<net::WebSocket> upstream,
                 RelayLimits limits, HostMetrics& metrics, std::shared_ptr<void> holds);

// Returns the close status to send one side when the other ended with
// `status` (nullopt: it vanished without a close frame). Codes that must not
// be sent (1005, 1006) become 1001 going away.
net::CloseStatus forwarded_close(const std::optional<net::CloseStatus>& status);

}  // namespace cloister::host
