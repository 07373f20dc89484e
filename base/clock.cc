#include "base/clock.h"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace cloister {

TimePoint::duration time_left(TimePoint deadline, TimePoint now) {
  TimePoint::rep left = 0;
  if (__builtin_sub_overflow(deadline.time_since_epoch().count(), now.time_since_epoch().count(),
                             &left)) {
    return deadline > now ? TimePoint::duration::max() : TimePoint::duration::zero();
  }
  return TimePoint::duration(std::max<TimePoint::rep>(left, 0));
}

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

TimePoint FixedClock::now() const {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(nanos_.load())));
}

int64_t FixedClock::to_nanos(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}

int64_t unix_seconds(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

TimePoint from_unix_seconds(int64_t seconds) { return TimePoint(std::chrono::seconds(seconds)); }

namespace {

// Reads exactly `width` decimal digits from the front of `text`.
bool take_digits(std::string_view& text, size_t width, int* out) {
  if (text.size() < width) return false;
  for (size_t i = 0; i < width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  std::from_chars(text.data(), text.data() + width, *out);
  text.remove_prefix(width);
  return true;
}

bool take_char(std::string_view& text, char c) {
  if (text.empty() || text[0] != c) return false;
  text.remove_prefix(1);
  return true;
}

}  // namespace

Result<TimePoint> parse_rfc3339(std::string_view text) {
  const std::string original(text);
  auto fail = [&original]() {
    return Error(ErrorCode::kInvalidArgument,
                 "not an RFC 3339 time (want e.g. 2023-07-01T00:00:00Z): " + original);
  };
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!take_digits(text, 4, &year) || !take_char(text, '-') || !take_digits(text, 2, &month) ||
      !take_char(text, '-') || !take_digits(text, 2, &day)) {
    return fail();
  }
  int64_t offset_seconds = 0;
  if (!text.empty()) {
    if (!(take_char(text, 'T') || take_char(text, 't')) || !take_digits(text, 2, &hour) ||
        !take_char(text, ':') || !take_digits(text, 2, &minute) || !take_char(text, ':') ||
        !take_digits(text, 2, &second)) {
      return fail();
    }
    if (take_char(text, '.')) {
      size_t digits = 0;
      while (!text.empty() && text[0] >= '0' && text[0] <= '9') {
        text.remove_prefix(1);
        ++digits;
      }
      if (digits == 0) return fail();
    }
    if (take_char(text, 'Z') || take_char(text, 'z')) {
      // UTC
    } else if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
      int sign = text[0] == '+' ? 1 : -1;
      text.remove_prefix(1);
      int oh = 0, om = 0;
      if (!take_digits(text, 2, &oh) || !take_char(text, ':') || !take_digits(text, 2, &om)) {
        return fail();
      }
      offset_seconds = sign * (oh * 3600 + om * 60);
    } else {
      return fail();
    }
  }
  // system_clock counts nanoseconds in 64 bits: only years 1678..2261 fit.
  if (!text.empty() || year < 1678 || year > 2261 || month < 1 || month > 12 || day < 1 ||
      day > 31 || hour > 23 || minute > 59 || second > 60) {
    return fail();
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  time_t t = timegm(&tm);
  return from_unix_seconds(static_cast<int64_t>(t) - offset_seconds);
}

std::string format_rfc3339(TimePoint at) {
  time_t t = static_cast<time_t>(unix_seconds(at));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace cloister
