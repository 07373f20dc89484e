#include "base/result.h"

#include <memory>

#include <gtest/gtest.h>

namespace cloister {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return Error(ErrorCode::kInvalidArgument, "not positive");
  return v;
}

Result<int> doubled(int v) {
  CLOISTER_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

Status check_both(int a, int b) {
  CLOISTER_TRY(parse_positive(a));
  CLOISTER_TRY(parse_positive(b));
  return ok_status();
}

TEST(Result, CarriesValueOrError) {
  EXPECT_EQ(*doubled(4), 8);
  auto failed = doubled(-1);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(failed.error().to_string(), "invalid argument: not positive");
}

TEST(Result, StatusPropagatesFirstFailure) {
  EXPECT_TRUE(check_both(1, 2).ok());
  Status s = check_both(1, 0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "not positive");
}

TEST(Result, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(3);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 3);
}

TEST(Result, ErrorContextPrefixesMessage) {
  Error e(ErrorCode::kMalformed, "truncated");
  EXPECT_EQ(e.with_context("report").message(), "report: truncated");
  EXPECT_EQ(e.with_context("report").code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace cloister
