#include "base/clock.h"

#include <gtest/gtest.h>

namespace cloister {
namespace {

TEST(Clock, ParsesRfc3339ToUnixSeconds) {
  // 2023-07-01T00:00:00Z is 1688169600 seconds after the epoch (date -d ... +%s).
  EXPECT_EQ(unix_seconds(*parse_rfc3339("2023-07-01T00:00:00Z")), 1688169600);
  EXPECT_EQ(unix_seconds(*parse_rfc3339("2023-07-01")), 1688169600);
  EXPECT_EQ(unix_seconds(*parse_rfc3339("2023-07-01T02:30:00+02:30")), 1688169600);
  EXPECT_EQ(unix_seconds(*parse_rfc3339("1970-01-01T00:00:01.250Z")), 1);
}

TEST(Clock, RejectsMalformedTimes) {
  for (const char* bad : {"", "2023-7-01", "2023-07-01T00:00Z", "2023-13-01T00:00:00Z",
                          "2023-07-01T00:00:00", "2023-07-01T00:00:00Zjunk", "yesterday"}) {
    EXPECT_FALSE(parse_rfc3339(bad).ok()) << bad;
  }
}

TEST(Clock, FormatsUtcAndRoundTrips) {
  TimePoint t = from_unix_seconds(1688169600);
  EXPECT_EQ(format_rfc3339(t), "2023-07-01T00:00:00Z");
  EXPECT_EQ(*parse_rfc3339(format_rfc3339(t)), t);
}

TEST(Clock, FixedClockStandsStillUntilMoved) {
  FixedClock clock(from_unix_seconds(100));
  EXPECT_EQ(unix_seconds(clock.now()), 100);
  EXPECT_EQ(unix_seconds(clock.now()), 100);
  clock.advance(std::chrono::seconds(5));
  EXPECT_EQ(unix_seconds(clock.now()), 105);
  clock.set(from_unix_seconds(7));
  EXPECT_EQ(unix_seconds(clock.now()), 7);
}

TEST(Clock, TimeLeftIsNeverNegativeAndNeverOverflows) {
  const TimePoint now = from_unix_seconds(1700000000);
  EXPECT_EQ(time_left(now + std::chrono::seconds(3), now), std::chrono::seconds(3));
  EXPECT_EQ(time_left(now - std::chrono::seconds(3), now), TimePoint::duration::zero());
  // A deadline of TimePoint::min() means "do not wait"; max() "wait for ever".
  EXPECT_EQ(time_left(TimePoint::min(), now), TimePoint::duration::zero());
  EXPECT_EQ(time_left(TimePoint::max(), now), TimePoint::max() - now);
  EXPECT_EQ(time_left(TimePoint::max(), TimePoint::min()), TimePoint::duration::max());
  EXPECT_EQ(time_left(TimePoint::min(), TimePoint::max()), TimePoint::duration::zero());
}

}  // namespace
}  // namespace cloister
