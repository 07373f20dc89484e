// An injectable clock, so that code checking validity windows (certificates,
// collateral, tokens) can be tested at a fixed time against old real evidence.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cloister {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Returns the current wall-clock time.
  virtual TimePoint now() const = 0;
};

// The real time.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// Returns a process-wide SystemClock.
const Clock& system_clock();

// A clock that stands still until told to move. Safe to share between threads.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint at) : nanos_(to_nanos(at)) {}
  TimePoint now() const override;
  void set(TimePoint at) { nanos_.store(to_nanos(at)); }
  void advance(std::chrono::nanoseconds by) { nanos_.fetch_add(by.count()); }

 private:
  static int64_t to_nanos(TimePoint at);
  std::atomic<int64_t> nanos_;
};

// Returns the time from `now` until `deadline`, zero once it has passed.
// Defined for every pair, TimePoint::min() and max() included (a plain
// subtraction overflows there).
TimePoint::duration time_left(TimePoint deadline, TimePoint now);

// Parses an RFC 3339 timestamp ("2023-07-01T12:00:00Z", with optional
// fraction and numeric offset) or a plain date ("2023-07-01", midnight UTC).
Result<TimePoint> parse_rfc3339(std::string_view text);

// Formats `at` as RFC 3339 in UTC with whole seconds, e.g. "2023-07-01T12:00:00Z".
std::string format_rfc3339(TimePoint at);

// Returns seconds since the Unix epoch.
int64_t unix_seconds(TimePoint at);
// Returns the time point `seconds` after the Unix epoch.
TimePoint from_unix_seconds(int64_t seconds);

}  // namespace cloister
