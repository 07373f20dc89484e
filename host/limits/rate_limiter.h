// Token buckets per key (a client IP, an account, a lookup id), and counters
// of concurrent use per key. Both bound their own memory: a flood of distinct
// keys evicts idle entries instead of growing the tables.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cloister::host {

using SteadyTime = std::chrono::steady_clock::time_point;

class RateLimiter {
 public:
  // Each key may spend `burst` tokens at once, refilled at `per_second`.
  RateLimiter(double per_second, double burst, size_t max_keys = 100'000);

  // Spends one token for `key` if it has one; returns false otherwise.
  bool allow(std::string_view key, SteadyTime now = std::chrono::steady_clock::now());
  // Returns how many keys are tracked.
  size_t size() const;

 private:
  struct Bucket {
    double tokens;
    SteadyTime updated;
  };
  void evict(SteadyTime now);

  const double per_second_;
  const double burst_;
  const size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

class ConcurrencyLimiter {
 public:
  // Holds one unit of a key's concurrency until destroyed.
  class Slot {
   public:
    Slot(ConcurrencyLimiter* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    ConcurrencyLimiter* owner_;
    std::string key_;
  };

  explicit ConcurrencyLimiter(size_t max_per_key) : max_per_key_(max_per_key) {}

  // Returns a slot if `key` is below its limit, or nullptr.
  std::unique_ptr<Slot> try_acquire(std::string_view key);
  // Returns how many slots `key` holds.
  size_t count(std::string_view key) const;

 private:
  void release(const std::string& key);

  const size_t max_per_key_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, size_t> counts_;
};

// Returns the rate-limiting key for a client address: the address itself for
// IPv4, its /64 prefix for IPv6 (one subscriber usually holds a whole /64).
std::string client_key(std::string_view address);

}  // namespace cloister::host
