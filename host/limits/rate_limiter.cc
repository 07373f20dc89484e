#include "host/limits/rate_limiter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <vector>

namespace cloister::host {

RateLimiter::RateLimiter(double per_second, double burst, size_t max_keys)
    : per_second_(per_second),
      burst_(std::max(burst, 1.0)),
      max_keys_(std::max<size_t>(max_keys, 1)) {}

bool RateLimiter::allow(std::string_view key, SteadyTime now) {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) evict(now);
    it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& bucket = it->second;
  double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  if (elapsed > 0) {
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed * per_second_);
    bucket.updated = now;
  }
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

size_t RateLimiter::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

void RateLimiter::evict(SteadyTime now) {
  // Buckets that have refilled completely carry no information: drop them.
  std::erase_if(buckets_, [&](const auto& entry) {
    double elapsed = std::chrono::duration<double>(now - entry.second.updated).count();
    return entry.second.tokens + elapsed * per_second_ >= burst_;
  });
  if (buckets_.size() < max_keys_) return;
  // Under a flood of distinct keys, forget the least recently seen half.
  std::vector<SteadyTime> times;
  times.reserve(buckets_.size());
  for (const auto& entry : buckets_) times.push_back(entry.second.updated);
  auto middle = times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2);
  std::nth_element(times.begin(), middle, times.end());
  SteadyTime cutoff = *middle;
  std::erase_if(buckets_, [&](const auto& entry) { return entry.second.updated <= cutoff; });
}

ConcurrencyLimiter::Slot::~Slot() { owner_->release(key_); }

std::unique_ptr<ConcurrencyLimiter::Slot> ConcurrencyLimiter::try_acquire(std::string_view key) {
  std::lock_guard lock(mutex_);
  size_t& count = counts_[std::string(key)];
  if (count >= max_per_key_) {
    if (count == 0) counts_.erase(std::string(key));
    return nullptr;
  }
  ++count;
  return std::make_unique<Slot>(this, std::string(key));
}

size_t ConcurrencyLimiter::count(std::string_view key) const {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(std::string(key));
  return it == counts_.end() ? 0 : it->second;
}

void ConcurrencyLimiter::release(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(key);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
}

std::string client_key(std::string_view address) {
  in6_addr v6{};
  std::string text(address);
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    std::fill(v6.s6_addr + 8, v6.s6_addr + 16, 0);
    char buffer[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &v6, buffer, sizeof buffer) != nullptr) {
      return std::string(buffer) + "/64";
    }
  }
  return text;
}

}  // namespace cloister::host
