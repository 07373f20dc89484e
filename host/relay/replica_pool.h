// The enclave replicas sessions are relayed to. A background thread polls
// each replica's content-free health endpoint; a replica that fails its
// checks, or refuses a connection, leaves rotation until a check succeeds
// again. New sessions go to the healthy replica with the fewest open
// sessions.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "host/config.h"
#include "host/host_metrics.h"
#include "net/io_pool.h"
#include "net/websocket.h"

namespace cloister::host {

struct ReplicaStatus {
  std::string name;
  bool healthy = false;
  size_t active_sessions = 0;
};

class ReplicaPool {
 public:
  // An open upstream connection, counted against its replica while held.
  struct Connection {
    std::shared_ptr<net::WebSocket> socket;
    std::shared_ptr<void> lease;  // releases the replica's session count
    std::string replica;
  };

  ReplicaPool(const RelayConfig& config, net::IoPool& io, HostMetrics& metrics);
  // Stops the health checker.
  ~ReplicaPool();
  ReplicaPool(const ReplicaPool&) = delete;
  ReplicaPool& operator=(const ReplicaPool&) = delete;

  // Checks every replica once, then keeps checking in the background.
  void start();
  void stop();
  // Runs one round of health checks now (blocking).
  void check_all();

  // Connects to the least-loaded healthy replica, falling back to the next
  // one when a connection fails. Fails with kUnavailable if none answered.
  // Blocks; call from a handler thread.
  Result<Connection> connect(const net::WebSocketClientOptions& options);

  // Returns each replica's health and open session count, in config order.
  std::vector<ReplicaStatus> status() const;

 private:
  struct Replica;
  void check(Replica& replica);
  void mark(Replica& replica, bool healthy);

  RelayConfig config_;
  net::IoPool& io_;
  HostMetrics& metrics_;
  std::vector<std::shared_ptr<Replica>> replicas_;
  std::atomic<uint64_t> rotation_{0};

  std::mutex checker_mutex_;
  std::condition_variable checker_wake_;
  bool stopping_ = false;
  std::thread checker_;
};

}  // namespace cloister::host
