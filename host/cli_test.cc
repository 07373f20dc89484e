// The cloister-host command line: config check, db migrate and db stats, run
// as the real binary.
#include <fstream>

#include <gtest/gtest.h>

#include "host/testing/postgres_cluster.h"
#include "net/testing/net_test_util.h"

namespace cloister::host {
namespace {

using testing::run_program;

class HostCliTest : public ::testing::Test {
 protected:
  int run(std::vector<std::string> args, std::string* output) {
    args.insert(args.begin(), CLOISTER_HOST_BINARY);
    return run_program(args, output);
  }

  std::string write(const std::string& name, const std::string& text) {
    auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path.string();
  }

  net::testing::TempDir dir_;
};

TEST_F(HostCliTest, ConfigCheckPrintsTheEffectiveConfiguration) {
  std::string config = write("host.json", R"({"port": 9443, "limits": {"sessions_per_ip": 7}})");
  std::string output;
  EXPECT_EQ(run({"config", "check", "--config", config, "--listen", "[::1]:8000"}, &output), 0)
      << output;
  EXPECT_NE(output.find("\"sessions_per_ip\": 7"), std::string::npos) << output;
  EXPECT_NE(output.find("\"listen_address\": \"::1\""), std::string::npos) << output;
  EXPECT_NE(output.find("\"port\": 8000"), std::string::npos) << output;
}

TEST_F(HostCliTest, ConfigCheckNamesTheBadKey) {
  std::string config = write("bad.json", R"({"limits": {"sesions_per_ip": 7}})");
  std::string output;
  EXPECT_EQ(run({"config", "check", "--config", config}, &output), 2);
  EXPECT_NE(output.find("limits.sesions_per_ip"), std::string::npos) << output;
  EXPECT_EQ(run({"config", "check", "--database", "mysql:x"}, &output), 2);
  EXPECT_NE(output.find("--database"), std::string::npos) << output;
}

TEST_F(HostCliTest, MigratesAndReportsStats) {
  std::string database = "sqlite:" + (dir_.path() / "cli.db").string();
  std::string output;
  ASSERT_EQ(run({"db", "stats", "--database", database}, &output), 0) << output;
  EXPECT_NE(output.find("schema_version: 0"), std::string::npos) << output;
  ASSERT_EQ(run({"db", "migrate", "--database", database}, &output), 0) << output;
  EXPECT_NE(output.find("version 0 -> 1"), std::string::npos) << output;
  ASSERT_EQ(run({"db", "migrate", "--database", database}, &output), 0) << output;
  EXPECT_NE(output.find("version 1 -> 1"), std::string::npos) << output;
  ASSERT_EQ(run({"db", "stats", "--database", database}, &output), 0) << output;
  EXPECT_NE(output.find("schema_version: 1"), std::string::npos) << output;
  EXPECT_NE(output.find("accounts:       0"), std::string::npos) << output;
}

TEST_F(HostCliTest, ServeRefusesAnUnmigratedDatabase) {
  std::string output;
  EXPECT_EQ(
      run({"serve", "--port", "0", "--database", "sqlite:" + (dir_.path() / "empty.db").string()},
          &output),
      2);
  EXPECT_NE(output.find("db migrate"), std::string::npos) << output;
}

TEST_F(HostCliTest, HelpExplainsEveryServeOption) {
  std::string output;
  EXPECT_EQ(run({"serve", "--help"}, &output), 0);
  for (const char* option : {"--config", "--database", "--listen", "--port", "--static-dir",
                             "--migrate", "--ready-file"}) {
    EXPECT_NE(output.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace cloister::host
