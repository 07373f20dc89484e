#include "tools/common/cli.h"

#include <vector>

#include <gtest/gtest.h>

namespace cloister::tools {
namespace {

int run_with(Program& program, std::vector<std::string> args) {
  std::vector<char*> argv;
  argv.reserve(args.size());
  for (auto& arg : args) argv.push_back(arg.data());
  return program.run(static_cast<int>(argv.size()), argv.data());
}

TEST(Program, RunsTheSelectedSubcommandAction) {
  Program program("tool", "A test tool.");
  std::string seen;
  auto* greet = program.app().add_subcommand("greet", "Say hello");
  greet->add_option("--name", seen)->required();
  program.on(greet, [&]() { return seen == "ada" ? 0 : 1; });
  EXPECT_EQ(run_with(program, {"tool", "greet", "--name", "ada"}), kExitOk);
  EXPECT_EQ(seen, "ada");
}

TEST(Program, UnknownFlagsAndMissingOptionsAreUsageErrors) {
  Program program("tool", "A test tool.");
  std::string name;
  auto* greet = program.app().add_subcommand("greet", "Say hello");
  greet->add_option("--name", name)->required();
  program.on(greet, []() { return 0; });
  EXPECT_EQ(run_with(program, {"tool", "greet"}), kExitUsage);
  EXPECT_EQ(run_with(program, {"tool", "--bogus"}), kExitUsage);
}

TEST(Program, HelpAndVersionExitCleanly) {
  Program program("tool", "A test tool.");
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_with(program, {"tool", "--version"}), kExitOk);
  std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(out.rfind("tool 0.", 0), 0u) << out;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_with(program, {"tool", "--help"}), kExitOk);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("A test tool."), std::string::npos);
}

TEST(Program, LibraryExceptionsBecomeUsageErrors) {
  Program program("tool", "A test tool.");
  program.on(&program.app(), []() -> int { throw std::runtime_error("boom"); });
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_with(program, {"tool"}), kExitUsage);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("boom"), std::string::npos);
}

}  // namespace
}  // namespace cloister::tools
