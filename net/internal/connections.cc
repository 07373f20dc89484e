#include "net/internal/connections.h"

#include <vector>

namespace cloister::net {

ConnectionLease::~ConnectionLease() { tracker_->release(id_); }

void ConnectionLease::attach(const std::weak_ptr<Closeable>& connection) {
  tracker_->attach(id_, connection);
}

std::shared_ptr<ConnectionLease> ConnectionTracker::try_admit() {
  std::lock_guard lock(mutex_);
  if (closed_ || open_.size() >= max_) return nullptr;
  uint64_t id = next_id_++;
  open_.emplace(id, std::weak_ptr<Closeable>());
  return std::make_shared<ConnectionLease>(shared_from_this(), id);
}

void ConnectionTracker::shutdown_all() {
  std::vector<std::shared_ptr<Closeable>> targets;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (auto& [id, weak] : open_) {
      if (auto connection = weak.lock()) targets.push_back(std::move(connection));
    }
  }
  // Outside the lock: shutting down may drop a lease, which re-enters release().
  for (auto& connection : targets) connection->shutdown();
}

size_t ConnectionTracker::open_count() const {
  std::lock_guard lock(mutex_);
  return open_.size();
}

void ConnectionTracker::release(uint64_t id) {
  std::lock_guard lock(mutex_);
  open_.erase(id);
}

void ConnectionTracker::attach(uint64_t id, const std::weak_ptr<Closeable>& connection) {
  bool shut = false;
  std::shared_ptr<Closeable> target;
  {
    std::lock_guard lock(mutex_);
    auto it = open_.find(id);
    if (it != open_.end()) it->second = connection;
    shut = closed_;
    if (shut) target = connection.lock();
  }
  // A connection attached after shutdown began is wound down at once.
  if (target) target->shutdown();
}

}  // namespace cloister::net
