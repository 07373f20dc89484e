#include "host/relay/replica_pool.h"

#include <algorithm>

#include "net/http_client.h"
#include "net/url.h"

namespace cloister::host {

struct ReplicaPool::Replica {
  ReplicaConfig config;
  std::atomic<bool> healthy{false};
  std::atomic<size_t> active{0};
  int consecutive_failures = 0;  // checker thread only
  net::Gauge* up = nullptr;
  net::Gauge* sessions = nullptr;
};

ReplicaPool::ReplicaPool(const RelayConfig& config, net::IoPool& io, HostMetrics& metrics)
    : config_(config), io_(io), metrics_(metrics) {
  for (const auto& replica_config : config_.replicas) {
    auto replica = std::make_shared<Replica>();
    replica->config = replica_config;
    replica->up = &metrics_.registry().gauge("cloister_host_replica_up",
                                             "1 if the enclave replica passes health checks.",
                                             {{"replica", replica_config.name}});
    replica->sessions = &metrics_.registry().gauge("cloister_host_replica_sessions",
                                                   "Sessions relayed to the enclave replica now.",
                                                   {{"replica", replica_config.name}});
    replicas_.push_back(std::move(replica));
  }
}

ReplicaPool::~ReplicaPool() { stop(); }

void ReplicaPool::start() {
  check_all();
  checker_ = std::thread([this] {
    std::unique_lock lock(checker_mutex_);
    while (!stopping_) {
      if (checker_wake_.wait_for(lock, config_.health_interval, [this] { return stopping_; })) {
        break;
      }
      lock.unlock();
      check_all();
      lock.lock();
    }
  });
}

void ReplicaPool::stop() {
  {
    std::lock_guard lock(checker_mutex_);
    stopping_ = true;
  }
  checker_wake_.notify_all();
  if (checker_.joinable()) checker_.join();
}

void ReplicaPool::check_all() {
  for (auto& replica : replicas_) check(*replica);
}

void ReplicaPool::check(Replica& replica) {
  net::HttpClientOptions options;
  options.connect_timeout = config_.health_timeout;
  options.request_timeout = config_.health_timeout;
  options.max_response_bytes = 64 * 1024;
  auto response = net::http_get(replica.config.health_url, options);
  bool passed = response.ok() && response->status == 200;
  if (passed) {
    replica.consecutive_failures = 0;
    mark(replica, true);
  } else if (++replica.consecutive_failures >= config_.failures_before_down) {
    mark(replica, false);
  }
}

void ReplicaPool::mark(Replica& replica, bool healthy) {
  replica.healthy = healthy;
  replica.up->set(healthy ? 1 : 0);
}

Result<ReplicaPool::Connection> ReplicaPool::connect(const net::WebSocketClientOptions& options) {
  // Healthy replicas, fewest sessions first; ties rotate so load spreads.
  std::vector<std::shared_ptr<Replica>> candidates;
  for (const auto& replica : replicas_) {
    if (replica->healthy) candidates.push_back(replica);
  }
  if (candidates.empty()) {
    return Error(ErrorCode::kUnavailable, "no enclave replica is healthy");
  }
  size_t offset = rotation_++ % candidates.size();
  std::rotate(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(offset),
              candidates.end());
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& a, const auto& b) { return a->active < b->active; });

  std::string failures;
  for (const auto& replica : candidates) {
    auto socket = net::connect_websocket(io_, replica->config.url, options);
    if (!socket.ok()) {
      // A replica that refuses connections leaves rotation at once; the
      // health checker brings it back when it answers again.
      metrics_.upstream_connect_failures.inc();
      mark(*replica, false);
      failures +=
          (failures.empty() ? "" : "; ") + replica->config.name + ": " + socket.error().message();
      continue;
    }
    replica->active++;
    replica->sessions->add(1);
    std::shared_ptr<void> lease(nullptr, [replica](void*) {
      replica->active--;
      replica->sessions->add(-1);
    });
    return Connection{std::move(*socket), std::move(lease), replica->config.name};
  }
  return Error(ErrorCode::kUnavailable,
               "no enclave replica accepted the session (" + failures + ")");
}

std::vector<ReplicaStatus> ReplicaPool::status() const {
  std::vector<ReplicaStatus> out;
  for (const auto& replica : replicas_) {
    out.push_back({replica->config.name, replica->healthy.load(), replica->active.load()});
  }
  return out;
}

}  // namespace cloister::host
