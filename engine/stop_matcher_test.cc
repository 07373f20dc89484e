#include "engine/stop_matcher.h"

#include <gtest/gtest.h>

namespace cloister::engine {
namespace {

TEST(StopMatcher, PassesTextThroughWithoutStops) {
  StopMatcher matcher({});
  EXPECT_EQ(matcher.push("hello "), "hello ");
  EXPECT_EQ(matcher.push("world"), "world");
  EXPECT_FALSE(matcher.stopped());
}

TEST(StopMatcher, StopsBeforeAStopStringSplitAcrossPieces) {
  StopMatcher matcher({"\nUser:"});
  EXPECT_EQ(matcher.push("Sure.\nU"), "Sure.");  // "\nU" might start the stop string
  EXPECT_EQ(matcher.push("se"), "");
  EXPECT_EQ(matcher.push("r: more"), "");
  EXPECT_TRUE(matcher.stopped());
  EXPECT_EQ(matcher.push("ignored"), "");
}

TEST(StopMatcher, ReleasesHeldTextThatTurnsOutNotToStop) {
  StopMatcher matcher({"END"});
  EXPECT_EQ(matcher.push("the EN"), "the ");
  EXPECT_EQ(matcher.push("D"), "");
  EXPECT_TRUE(matcher.stopped());
  StopMatcher other({"END"});
  EXPECT_EQ(other.push("the EN"), "the ");
  EXPECT_EQ(other.push("TRY"), "ENTRY");
  EXPECT_EQ(other.push(" E"), " ");
  EXPECT_EQ(other.flush(), "E");
}

TEST(StopMatcher, TheEarliestStopWins) {
  StopMatcher matcher({"c", "ab"});
  EXPECT_EQ(matcher.push("xabc"), "x");
}

TEST(StopMatcher, HoldsBackIncompleteUtf8) {
  StopMatcher matcher({});
  EXPECT_EQ(matcher.push("a\xf0\x9f"), "a");
  EXPECT_EQ(matcher.push("\xa6\x99!"), "\xf0\x9f\xa6\x99!");
}

}  // namespace
}  // namespace cloister::engine
