#include "host/limits/rate_limiter.h"

#include <gtest/gtest.h>

namespace cloister::host {
namespace {

using namespace std::chrono_literals;

TEST(RateLimiter, AllowsTheBurstThenRefillsAtTheRate) {
  RateLimiter limiter(2.0, 3.0);
  SteadyTime start{};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow("a", start));
  EXPECT_FALSE(limiter.allow("a", start));
  EXPECT_FALSE(limiter.allow("a", start + 400ms));  // 0.8 of a token
  EXPECT_TRUE(limiter.allow("a", start + 500ms));
  EXPECT_FALSE(limiter.allow("a", start + 500ms));
  // A long pause refills only up to the burst.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow("a", start + 100s));
  EXPECT_FALSE(limiter.allow("a", start + 100s));
}

TEST(RateLimiter, KeepsKeysApart) {
  RateLimiter limiter(1.0, 1.0);
  SteadyTime now{};
  EXPECT_TRUE(limiter.allow("a", now));
  EXPECT_FALSE(limiter.allow("a", now));
  EXPECT_TRUE(limiter.allow("b", now));
}

TEST(RateLimiter, BoundsItsTableUnderAFloodOfKeys) {
  RateLimiter limiter(1.0, 5.0, 100);
  SteadyTime now{};
  for (int i = 0; i < 10000; ++i) {
    limiter.allow("key-" + std::to_string(i), now + std::chrono::milliseconds(i));
  }
  EXPECT_LE(limiter.size(), 100u);
  // The most recent keys are remembered: the newest is still being limited.
  std::string newest = "key-9999";
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(limiter.allow(newest, now + 9999ms));
  EXPECT_FALSE(limiter.allow(newest, now + 9999ms));
}

TEST(ConcurrencyLimiter, ReleasesSlotsWhenDropped) {
  ConcurrencyLimiter limiter(2);
  auto first = limiter.try_acquire("ip");
  auto second = limiter.try_acquire("ip");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(limiter.try_acquire("ip"), nullptr);
  EXPECT_NE(limiter.try_acquire("other"), nullptr);
  first.reset();
  EXPECT_EQ(limiter.count("ip"), 1u);
  EXPECT_NE(limiter.try_acquire("ip"), nullptr);
}

TEST(ClientKey, GroupsIpv6ByItsSlash64) {
  EXPECT_EQ(client_key("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(client_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key("2001:db8:1:2::1"), client_key("2001:db8:1:2:ffff::9"));
  EXPECT_NE(client_key("2001:db8:1:2::1"), client_key("2001:db8:1:3::1"));
}

}  // namespace
}  // namespace cloister::host
