#include "host/host_metrics.h"

namespace cloister::host {

HostMetrics::HostMetrics()
    : sessions_active(
          registry_.gauge("cloister_host_sessions_active", "Relayed sessions open now.")),
      sessions_opened(
          registry_.counter("cloister_host_sessions_opened_total", "Relayed sessions opened.")),
      upstream_connect_failures(registry_.counter("cloister_host_upstream_connect_failures_total",
                                                  "Failed connections to enclave replicas.")),
      messages_to_enclave(registry_.counter("cloister_host_relay_messages_total",
                                            "Relayed WebSocket messages.",
                                            {{"direction", "to_enclave"}})),
      messages_to_client(registry_.counter("cloister_host_relay_messages_total",
                                           "Relayed WebSocket messages.",
                                           {{"direction", "to_client"}})),
      bytes_to_enclave(registry_.counter("cloister_host_relay_bytes_total",
                                         "Relayed message payload bytes.",
                                         {{"direction", "to_enclave"}})),
      bytes_to_client(registry_.counter("cloister_host_relay_bytes_total",
                                        "Relayed message payload bytes.",
                                        {{"direction", "to_client"}})),
      session_seconds(registry_.histogram("cloister_host_session_duration_seconds",
                                          "How long relayed sessions lasted.", {},
                                          {1, 10, 60, 300, 900, 3600, 4 * 3600, 24 * 3600})) {}

void HostMetrics::observe_request(const net::RequestRecord& record) {
  std::string method(net::method_name(record.method));
  registry_
      .counter(
          "cloister_host_http_requests_total", "HTTP requests by route pattern and status.",
          {{"route", record.route}, {"method", method}, {"status", std::to_string(record.status)}})
      .inc();
  registry_
      .histogram("cloister_host_http_request_duration_seconds",
                 "HTTP request latency by route pattern.", {{"route", record.route}})
      .observe(std::chrono::duration<double>(record.duration).count());
}

void HostMetrics::count_limited(std::string_view limit) {
  registry_
      .counter("cloister_host_limited_total", "Requests refused by a rate or concurrency limit.",
               {{"limit", std::string(limit)}})
      .inc();
}

}  // namespace cloister::host
