#include "enclave/fair_queue.h"

#include <string>

#include <gtest/gtest.h>

namespace cloister::enclave {
namespace {

std::vector<std::string> drain(FairQueue<std::string>& queue) {
  std::vector<std::string> order;
  while (auto item = queue.pop()) order.push_back(*item);
  return order;
}

TEST(FairQueue, TakesTurnsBetweenSessions) {
  FairQueue<std::string> queue(16);
  ASSERT_TRUE(queue.push(1, "a1"));
  ASSERT_TRUE(queue.push(1, "a2"));
  ASSERT_TRUE(queue.push(1, "a3"));
  ASSERT_TRUE(queue.push(2, "b1"));
  ASSERT_TRUE(queue.push(3, "c1"));
  ASSERT_TRUE(queue.push(2, "b2"));
  EXPECT_EQ(queue.size(), 6u);
  // A session with many queued jobs does not hold the others back.
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"a1", "b1", "c1", "a2", "b2", "a3"}));
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(queue.pop().has_value());
}

TEST(FairQueue, ASessionThatComesBackJoinsTheEndOfTheRotation) {
  FairQueue<std::string> queue(16);
  queue.push(1, "a1");
  queue.push(2, "b1");
  EXPECT_EQ(*queue.pop(), "a1");
  queue.push(1, "a2");
  queue.push(3, "c1");
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"b1", "a2", "c1"}));
}

TEST(FairQueue, RefusesBeyondItsCapacity) {
  FairQueue<std::string> queue(2);
  EXPECT_TRUE(queue.push(1, "a"));
  EXPECT_TRUE(queue.push(2, "b"));
  EXPECT_FALSE(queue.push(3, "c"));
  EXPECT_EQ(queue.size(), 2u);
  queue.pop();
  EXPECT_TRUE(queue.push(3, "c"));
}

TEST(FairQueue, RemovesMatchingItemsAndKeepsTheRotation) {
  FairQueue<std::string> queue(16);
  queue.push(1, "a1");
  queue.push(2, "drop-b1");
  queue.push(1, "drop-a2");
  queue.push(3, "c1");
  queue.push(1, "a3");
  std::vector<std::string> removed =
      queue.remove_if([](const std::string& item) { return item.starts_with("drop"); });
  EXPECT_EQ(removed.size(), 2u);
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"a1", "c1", "a3"}));
}

}  // namespace
}  // namespace cloister::enclave
