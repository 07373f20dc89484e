#include "base/json_fields.h"

#include <gtest/gtest.h>

namespace cloister {
namespace {

using nlohmann::json;

TEST(StringMember, ReadsAStringMember) {
  EXPECT_EQ(string_member(json{{"format", "v1"}}, "format"), "v1");
}

TEST(StringMember, AnswersTheFallbackForAnyOtherShape) {
  // {"format": 77777777777777} made nlohmann's value() throw in a client parser (found by fuzzing).
  EXPECT_EQ(string_member(json{{"format", 77777777777777}}, "format", "none"), "none");
  EXPECT_EQ(string_member(json{{"format", json::array()}}, "format", "none"), "none");
  EXPECT_EQ(string_member(json{{"other", "v1"}}, "format", "none"), "none");
  EXPECT_EQ(string_member(json::array({"format"}), "format", "none"), "none");
  EXPECT_EQ(string_member(json("format"), "format"), "");
}

}  // namespace
}  // namespace cloister
