// Faults under the real cloister-host binary: its PostgreSQL restarts (the
// host must recover without being restarted itself, and lose nothing it
// acknowledged), and its SQLite database's disk fills up (a clear 507, every
// acknowledged blob intact, and writes work again once there is room).
#include <sys/mount.h>

#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "host/testing/host_harness.h"
#include "host/testing/host_process.h"
#include "host/testing/postgres_cluster.h"
#include "testing/test_data.h"

namespace cloister::host {
namespace {

using namespace std::chrono_literals;
using net::Method;
using testing::TestUser;

constexpr std::string_view kOrigin = "http://cloister.test";

std::string write_config(const std::filesystem::path& dir) {
  const nlohmann::json config = {
      {"auth", {{"origin", kOrigin}}},
      {"limits",
       {{"requests_per_second", 100000},
        {"request_burst", 100000},
        {"sign_ins_per_minute", 100000},
        {"max_blob_bytes", 1 << 20}}},
  };
  const auto path = dir / "host.json";
  std::ofstream(path) << config.dump();
  return path.string();
}

// The content of blob `id` at `version`: distinct for every pair.
std::string blob_content(const std::string& id, uint64_t version, size_t size) {
  std::string content = id + "@" + std::to_string(version) + ":";
  content.resize(size, static_cast<char>('a' + version % 26));
  return content;
}

// Writes `id` at `version` (creating it at version 1) and returns the response.
Result<net::HttpResponse> put_blob(net::HttpClient& client, const TestUser& user,
                                   const std::string& id, uint64_t version, size_t size) {
  auto request = user.request(Method::kPut, "/v1/blobs/" + id, blob_content(id, version, size));
  if (version == 1) {
    request.headers.set("If-None-Match", "*");
  } else {
    request.headers.set("If-Match", "\"" + std::to_string(version - 1) + "\"");
  }
  return client.send(request);
}

// Checks that every blob in `acknowledged` (id -> version) is stored intact.
void expect_intact(net::HttpClient& client, const TestUser& user,
                   const std::map<std::string, std::pair<uint64_t, size_t>>& acknowledged) {
  for (const auto& [id, written] : acknowledged) {
    auto response = client.send(user.request(Method::kGet, "/v1/blobs/" + id));
    ASSERT_TRUE(response.ok()) << response.error().message();
    ASSERT_EQ(response->status, 200) << "acknowledged blob " << id << " is gone";
    EXPECT_EQ(response->body, blob_content(id, written.first, written.second))
        << id << " is not intact";
  }
}

TEST(PostgresRestartTest, TheHostRecoversWithoutLosingAcknowledgedWrites) {
  auto cluster = testing::PostgresCluster::start();
  if (!cluster.ok()) {
    if (cloister::testing::running_in_ci()) FAIL() << cluster.error().message();
    GTEST_SKIP() << cluster.error().message();
  }
  auto conninfo = (*cluster)->create_database("fault_test");
  ASSERT_TRUE(conninfo.ok());
  net::testing::TempDir dir;
  auto host = testing::HostProcess::start(
      CLOISTER_HOST_BINARY,
      {"--config", write_config(dir.path()), "--database", "postgres:" + *conninfo, "--migrate"},
      dir.path());
  ASSERT_TRUE(host.ok()) << host.error().message();
  auto client = net::HttpClient::create("http://127.0.0.1:" + std::to_string((*host)->port()),
                                        {.connect_timeout = 2s, .request_timeout = 10s});
  ASSERT_TRUE(client.ok());
  TestUser user;
  ASSERT_TRUE(user.sign_in(*client, kOrigin).ok());

  std::map<std::string, std::pair<uint64_t, size_t>> acknowledged;
  for (int i = 0; i < 20; ++i) {
    const std::string id = "before-" + std::to_string(i);
    auto response = put_blob(*client, user, id, 1, 2048);
    ASSERT_TRUE(response.ok() && response->status == 201);
    acknowledged[id] = {1, 2048};
  }

  ASSERT_TRUE((*cluster)->restart().ok());

  // While the database was away, requests may fail (cleanly); within a few
  // seconds of its return, they succeed again, on the same host process.
  bool recovered = false;
  for (int attempt = 0; attempt < 100 && !recovered; ++attempt) {
    auto response = put_blob(*client, user, "after", 1, 2048);
    ASSERT_TRUE(response.ok()) << "the host stopped answering: " << response.error().message();
    if (response->status == 201) {
      recovered = true;
      acknowledged["after"] = {1, 2048};
      break;
    }
    EXPECT_TRUE(response->status == 503 || response->status == 500) << response->body;
    EXPECT_NE(response->body.find("\"error\""), std::string::npos) << response->body;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(recovered) << "the host never recovered from the PostgreSQL restart";
  // Updates and sign-ins work too, and nothing acknowledged was lost.
  auto update = put_blob(*client, user, "before-0", 2, 4096);
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(update->status, 200) << update->body;
  acknowledged["before-0"] = {2, 4096};
  TestUser second;
  EXPECT_TRUE(second.sign_in(*client, kOrigin).ok());
  expect_intact(*client, user, acknowledged);
}

// A small tmpfs holds the SQLite database, so that the disk really fills up
// (ENOSPC). Mounting needs CAP_SYS_ADMIN (CI runs as root); without it the
// test is skipped with the reason.
class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(mount_point_);
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=1m,mode=0700") != 0) {
      GTEST_SKIP() << "cannot mount a small tmpfs here (" << std::strerror(errno)
                   << "); the disk-full test needs CAP_SYS_ADMIN";
    }
    mounted_ = true;
  }
  void TearDown() override {
    host_.reset();
    if (mounted_) ::umount2(mount_point_.c_str(), MNT_DETACH);
  }

  net::testing::TempDir dir_;
  std::filesystem::path mount_point_ = dir_.path() / "disk";
  bool mounted_ = false;
  std::unique_ptr<testing::HostProcess> host_;
};

TEST_F(DiskFullTest, AFullDiskGivesAClearErrorAndCorruptsNothing) {
  const std::string database = "sqlite:" + (mount_point_ / "host.db").string();
  auto host = testing::HostProcess::start(
      CLOISTER_HOST_BINARY,
      {"--config", write_config(dir_.path()), "--database", database, "--migrate"}, dir_.path());
  ASSERT_TRUE(host.ok()) << host.error().message();
  host_ = std::move(*host);
  auto client = net::HttpClient::create("http://127.0.0.1:" + std::to_string(host_->port()));
  ASSERT_TRUE(client.ok());
  TestUser user;
  ASSERT_TRUE(user.sign_in(*client, kOrigin).ok());

  // Fill the disk with 32 KiB blobs until the host refuses one.
  std::map<std::string, std::pair<uint64_t, size_t>> acknowledged;
  std::optional<net::HttpResponse> refusal;
  for (int i = 0; i < 200 && !refusal; ++i) {
    const std::string id = "fill-" + std::to_string(i);
    auto response = put_blob(*client, user, id, 1, 32 * 1024);
    ASSERT_TRUE(response.ok()) << "the host stopped answering: " << response.error().message();
    if (response->status == 201) {
      acknowledged[id] = {1, 32 * 1024};
    } else {
      refusal = *response;
    }
  }
  ASSERT_TRUE(refusal.has_value()) << "a 1 MiB disk never filled up";
  ASSERT_GT(acknowledged.size(), 3u);
  EXPECT_EQ(refusal->status, 507) << refusal->body;
  EXPECT_NE(refusal->body.find("full"), std::string::npos) << refusal->body;

  // Still serving: reads work and every acknowledged blob is intact.
  expect_intact(*client, user, acknowledged);

  // With room again, writes succeed, and a restarted host finds everything.
  ASSERT_EQ(::mount("tmpfs", mount_point_.c_str(), "tmpfs", MS_REMOUNT, "size=8m,mode=0700"), 0)
      << std::strerror(errno);
  bool written = false;
  for (int attempt = 0; attempt < 50 && !written; ++attempt) {
    auto response = put_blob(*client, user, "after-room", 1, 32 * 1024);
    ASSERT_TRUE(response.ok());
    written = response->status == 201;
    if (!written) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(written) << "writes did not resume once the disk had room";
  acknowledged["after-room"] = {1, 32 * 1024};
  ASSERT_EQ(host_->stop(), 0);
  auto restarted = testing::HostProcess::start(
      CLOISTER_HOST_BINARY, {"--config", write_config(dir_.path()), "--database", database},
      dir_.path());
  ASSERT_TRUE(restarted.ok()) << restarted.error().message();
  host_ = std::move(*restarted);
  auto again = net::HttpClient::create("http://127.0.0.1:" + std::to_string(host_->port()));
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(user.sign_in(*again, kOrigin).ok());
  expect_intact(*again, user, acknowledged);
}

}  // namespace
}  // namespace cloister::host
