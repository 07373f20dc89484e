// Private to net/: counting a server's open connections against its limit, and
// reaching every one of them to shut down.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace cloister::net {

// Something a server can ask to wind down (close handshake, then the socket).
class Closeable {
 public:
  virtual ~Closeable() = default;
  // Starts shutting the connection down; safe to call from any thread.
  virtual void shutdown() = 0;
};

class ConnectionTracker;

// One admitted connection. Whoever owns the connection holds the lease; the
// slot frees when the lease is dropped.
class ConnectionLease {
 public:
  ConnectionLease(std::shared_ptr<ConnectionTracker> tracker, uint64_t id)
      : tracker_(std::move(tracker)), id_(id) {}
  ~ConnectionLease();
  ConnectionLease(const ConnectionLease&) = delete;
  ConnectionLease& operator=(const ConnectionLease&) = delete;

  // Names the object that shutdown_all() should reach for this connection.
  void attach(const std::weak_ptr<Closeable>& connection);

 private:
  std::shared_ptr<ConnectionTracker> tracker_;
  uint64_t id_;
};

class ConnectionTracker : public std::enable_shared_from_this<ConnectionTracker> {
 public:
  explicit ConnectionTracker(size_t max_connections) : max_(max_connections) {}

  // Returns a lease, or nullptr if the limit is reached or shutdown began.
  std::shared_ptr<ConnectionLease> try_admit();
  // Refuses new connections and asks every attached one to shut down.
  void shutdown_all();
  // Returns the number of connections holding a lease.
  size_t open_count() const;

 private:
  friend class ConnectionLease;
  void release(uint64_t id);
  void attach(uint64_t id, const std::weak_ptr<Closeable>& connection);

  mutable std::mutex mutex_;
  size_t max_;
  uint64_t next_id_ = 1;
  bool closed_ = false;
  std::map<uint64_t, std::weak_ptr<Closeable>> open_;
};

}  // namespace cloister::net
