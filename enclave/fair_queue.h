// A bounded queue that takes turns between keys (sessions): pop() serves the
// key at the front of the rotation and sends it to the back, so a session
// with many queued jobs cannot starve one with a single job. Not
// thread-safe: the owner locks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

namespace cloister::enclave {

template <typename T>
class FairQueue {
 public:
  explicit FairQueue(size_t capacity) : capacity_(capacity) {}

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }

  // Appends `item` to `key`'s queue. Returns false (and keeps nothing) when
  // the queue already holds `capacity` items.
  bool push(uint64_t key, T item) {
    if (size_ >= capacity_) return false;
    std::deque<T>& queue = queues_[key];
    if (queue.empty()) turn_.push_back(key);
    queue.push_back(std::move(item));
    ++size_;
    return true;
  }

  // Removes and returns the oldest item of the key whose turn it is.
  std::optional<T> pop() {
    if (turn_.empty()) return std::nullopt;
    const uint64_t key = turn_.front();
    turn_.pop_front();
    auto it = queues_.find(key);
    T item = std::move(it->second.front());
    it->second.pop_front();
    --size_;
    if (it->second.empty()) {
      queues_.erase(it);
    } else {
      turn_.push_back(key);
    }
    return item;
  }

  // Removes every item for which `matches` is true and returns them in
  // queue order per key.
  template <typename Predicate>
  std::vector<T> remove_if(Predicate matches) {
    std::vector<T> removed;
    for (auto it = queues_.begin(); it != queues_.end();) {
      std::deque<T> kept;
      for (T& item : it->second) {
        if (matches(item)) {
          removed.push_back(std::move(item));
        } else {
          kept.push_back(std::move(item));
        }
      }
      size_ -= it->second.size() - kept.size();
      if (kept.empty()) {
        const uint64_t key = it->first;
        std::erase(turn_, key);
        it = queues_.erase(it);
      } else {
        it->second = std::move(kept);
        ++it;
      }
    }
    return removed;
  }

 private:
  size_t capacity_;
  size_t size_ = 0;
  std::map<uint64_t, std::deque<T>> queues_;
  std::deque<uint64_t> turn_;  // keys with queued items, next to serve first
};

}  // namespace cloister::enclave
