// The host's metrics, all content-free: request counts and latencies by
// route pattern and status, relay counts and byte totals, replica health,
// and how often each limit said no. Nothing here is keyed by account, IP or
// blob id.
#pragma once

#include <string>
#include <string_view>

#include "net/http_server.h"
#include "net/metrics.h"

namespace cloister::host {

class HostMetrics {
  // First, so that it exists before the references below are bound.
  net::MetricsRegistry registry_;

 public:
  HostMetrics();
  HostMetrics(const HostMetrics&) = delete;
  HostMetrics& operator=(const HostMetrics&) = delete;

  // Records a finished HTTP request (the server's RequestObserver).
  void observe_request(const net::RequestRecord& record);
  // Counts a refusal by the limit called `limit` (e.g. "session_opens").
  void count_limited(std::string_view limit);
  // Returns the Prometheus text of every metric.
  std::string render() const { return registry_.render(); }

  // Returns the underlying registry, for metrics registered elsewhere.
  net::MetricsRegistry& registry() { return registry_; }

  net::Gauge& sessions_active;
  net::Counter& sessions_opened;
  net::Counter& upstream_connect_failures;
  net::Counter& messages_to_enclave;
  net::Counter& messages_to_client;
  net::Counter& bytes_to_enclave;
  net::Counter& bytes_to_client;
  net::Histogram& session_seconds;
};

}  // namespace cloister::host
