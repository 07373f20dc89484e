// Crash safety: while clients write, the real cloister-host process is killed
// with SIGKILL and restarted, several times. Every write it acknowledged must
// be there and intact, on SQLite and on PostgreSQL; nothing may be half
// written (each stored version's bytes are exactly that version's bytes).
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "crypto/hash.h"
#include "host/testing/host_harness.h"
#include "host/testing/host_process.h"
#include "host/testing/postgres_cluster.h"
#include "testing/test_data.h"

namespace cloister::host {
namespace {

using namespace std::chrono_literals;
using net::Method;
using testing::TestUser;

constexpr int kWriters = 4;
constexpr int kBlobsPerWriter = 5;
constexpr int kRounds = 3;

std::string blob_id(int writer, int n) {
  return "w" + std::to_string(writer) + "-" + std::to_string(n);
}

// The bytes of `version` of a writer's blob: 1 to 8 KiB, derived from the
// names alone, so a torn or misplaced write cannot match.
std::string expected_content(int writer, const std::string& id, uint64_t version) {
  std::string seed = std::to_string(writer) + "/" + id + "/" + std::to_string(version);
  auto digest = crypto::sha256(as_bytes(seed));
  size_t size = 1024 + (digest[0] | (digest[1] << 8)) % (7 * 1024);
  std::string content;
  while (content.size() < size) {
    digest = crypto::sha256(digest);
    content.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  }
  content.resize(size);
  return content;
}

std::string write_config(const std::filesystem::path& dir) {
  nlohmann::json config = {
      {"auth", {{"origin", "http://cloister.test"}}},
      {"limits",
       {{"requests_per_second", 100000},
        {"request_burst", 100000},
        {"sign_ins_per_minute", 100000}}},
  };
  auto path = dir / "host.json";
  std::ofstream(path) << config.dump();
  return path.string();
}

class CrashTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      database_ = "sqlite:" + (dir_.path() / "host.db").string();
      return;
    }
    auto cluster = testing::PostgresCluster::start();
    if (!cluster.ok()) {
      if (cloister::testing::running_in_ci()) FAIL() << cluster.error().message();
      GTEST_SKIP() << cluster.error().message();
    }
    cluster_ = std::move(*cluster);
    auto conninfo = cluster_->create_database("crash_test");
    ASSERT_TRUE(conninfo.ok());
    database_ = "postgres:" + *conninfo;
  }

  Result<std::unique_ptr<testing::HostProcess>> start_host() {
    return testing::HostProcess::start(CLOISTER_HOST_BINARY,
                                       {"--config", config_, "--database", database_, "--migrate"},
                                       dir_.path());
  }

  net::testing::TempDir dir_;
  std::unique_ptr<testing::PostgresCluster> cluster_;
  std::string database_;
  std::string config_ = write_config(dir_.path());
};

TEST_P(CrashTest, KeepsEveryAcknowledgedWriteAcrossSigkill) {
  std::vector<TestUser> users(kWriters);
  // What each writer believes is the current version of each of its blobs,
  // and the newest version the host acknowledged.
  std::vector<std::map<std::string, uint64_t>> acknowledged(kWriters);
  size_t total_acknowledged = 0;

  for (int round = 0; round < kRounds; ++round) {
    auto host = start_host();
    ASSERT_TRUE(host.ok()) << host.error().message();
    std::string origin = "http://127.0.0.1:" + std::to_string((*host)->port());
    if (round == 0) {
      auto client = net::HttpClient::create(origin);
      for (auto& user : users) ASSERT_TRUE(user.sign_in(*client, "http://cloister.test").ok());
    }

    // Check what survived the previous crash, and learn where each blob is.
    // The write in flight at the kill may have landed without its ack: one
    // version more than acknowledged, or a first version of a new blob.
    for (int writer = 0; writer < kWriters; ++writer) {
      auto client = net::HttpClient::create(origin);
      for (int n = 0; n < kBlobsPerWriter; ++n) {
        const std::string id = blob_id(writer, n);
        auto response = client->send(users[writer].request(Method::kGet, "/v1/blobs/" + id));
        ASSERT_TRUE(response.ok());
        auto known = acknowledged[writer].find(id);
        const uint64_t acked = known == acknowledged[writer].end() ? 0 : known->second;
        if (acked == 0 && response->status == 404) continue;
        ASSERT_EQ(response->status, 200) << "acknowledged blob " << id << " is gone";
        uint64_t stored = std::stoull(std::string(response->headers.get("ETag")->substr(1)));
        EXPECT_TRUE(stored == acked || stored == acked + 1)
            << id << " acknowledged at " << acked << " but stored at " << stored;
        EXPECT_EQ(response->body, expected_content(writer, id, stored))
            << id << " version " << stored << " is not intact";
        acknowledged[writer][id] = stored;
      }
    }

    // Write until killed.
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::vector<std::thread> threads;
    for (int writer = 0; writer < kWriters; ++writer) {
      threads.emplace_back([&, writer] {
        auto client =
            net::HttpClient::create(origin, {.connect_timeout = 2s, .request_timeout = 5s});
        for (int n = 0; !stop; ++n) {
          const std::string id = blob_id(writer, n % kBlobsPerWriter);
          uint64_t current = 0;
          {
            std::lock_guard lock(mutex);
            auto it = acknowledged[writer].find(id);
            if (it != acknowledged[writer].end()) current = it->second;
          }
          auto request = users[writer].request(Method::kPut, "/v1/blobs/" + id,
                                               expected_content(writer, id, current + 1));
          if (current == 0) {
            request.headers.set("If-None-Match", "*");
          } else {
            request.headers.set("If-Match", "\"" + std::to_string(current) + "\"");
          }
          auto response = client->send(request);
          if (!response.ok()) return;  // the host is gone
          ASSERT_TRUE(response->status == 200 || response->status == 201) << response->body;
          std::lock_guard lock(mutex);
          acknowledged[writer][id] = current + 1;
          ++total_acknowledged;
        }
      });
    }
    std::this_thread::sleep_for(400ms + round * 150ms);
    (*host)->kill_hard();
    stop = true;
    for (auto& thread : threads) thread.join();
  }

  // A final restart sees everything, and the database passes its own checks.
  auto host = start_host();
  ASSERT_TRUE(host.ok()) << host.error().message();
  auto client = net::HttpClient::create("http://127.0.0.1:" + std::to_string((*host)->port()));
  for (int writer = 0; writer < kWriters; ++writer) {
    for (const auto& [id, acked] : acknowledged[writer]) {
      auto response = client->send(users[writer].request(Method::kGet, "/v1/blobs/" + id));
      ASSERT_TRUE(response.ok());
      ASSERT_EQ(response->status, 200);
      uint64_t stored = std::stoull(std::string(response->headers.get("ETag")->substr(1)));
      EXPECT_GE(stored, acked);
      EXPECT_EQ(response->body, expected_content(writer, id, stored));
    }
  }
  RecordProperty("acknowledged_writes", static_cast<int>(total_acknowledged));
  std::cout << "acknowledged writes across " << kRounds << " kills: " << total_acknowledged << "\n";
  EXPECT_GT(total_acknowledged, static_cast<size_t>(kRounds * kWriters))
      << "too few writes happened for the kills to land mid-write";
  EXPECT_EQ((*host)->stop(), 0);
  if (GetParam() == "sqlite") {
    std::string output;
    int status = testing::run_program(
        {"sqlite3", (dir_.path() / "host.db").string(), "PRAGMA integrity_check;"}, &output);
    if (status == 0) {
      EXPECT_EQ(output, "ok\n");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& backend) { return backend.param; });

}  // namespace
}  // namespace cloister::host
