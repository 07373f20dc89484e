// A bounded load test on loopback: hundreds of clients sign in and sync blobs
// while hundreds of relayed sessions are held open and exchange messages,
// against the real cloister-host binary. No request may fail, and the host's
// peak memory must stay bounded. The figures go to docs/benchmarks.md.
// CLOISTER_HOST_LOAD_CLIENTS scales it (default 200 sync clients and 200
// sessions).
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "crypto/random.h"
#include "host/testing/host_harness.h"
#include "host/testing/host_process.h"

namespace cloister::host {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using net::Method;
using testing::TestUser;

constexpr int kSyncRounds = 8;
constexpr int kMessagesPerSession = 20;
constexpr size_t kMessageBytes = 1024;
// AddressSanitizer holds freed memory in quarantine, so its builds get more room.
#if defined(__SANITIZE_ADDRESS__)
#define CLOISTER_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CLOISTER_UNDER_ASAN 1
#endif
#endif
#ifdef CLOISTER_UNDER_ASAN
constexpr size_t kPeakMemoryBoundKib = 2048 * 1024;  // 2 GiB
#else
constexpr size_t kPeakMemoryBoundKib = 1024 * 1024;  // 1 GiB
#endif

size_t scale() {
  const char* text = std::getenv("CLOISTER_HOST_LOAD_CLIENTS");
  size_t clients = text != nullptr ? std::strtoul(text, nullptr, 10) : 0;
  return clients > 0 ? clients : 200;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * static_cast<double>(values.size() - 1))];
}

TEST(HostLoadTest, HundredsOfClientsSyncWhileHundredsOfSessionsAreHeld) {
  const size_t clients = scale();
  const size_t sessions = clients;
  net::testing::TempDir dir;
  auto a = testing::EchoReplica::start();
  auto b = testing::EchoReplica::start();
  ASSERT_TRUE(a.ok() && b.ok());
  auto replica_json = [](const ReplicaConfig& replica) {
    return nlohmann::json{
        {"name", replica.name}, {"url", replica.url}, {"health_url", replica.health_url}};
  };
  // Every client comes from 127.0.0.1, so the per-address limits are lifted.
  nlohmann::json config = {
      {"auth", {{"origin", "http://cloister.test"}}},
      {"handler_threads", 8},
      {"relay", {{"replicas", {replica_json((*a)->config("a")), replica_json((*b)->config("b"))}}}},
      {"limits",
       {{"requests_per_second", 1e6},
        {"request_burst", 1e6},
        {"sign_ins_per_minute", 1e6},
        {"session_opens_per_minute", 1e6},
        {"sessions_per_ip", 100000}}},
  };
  std::ofstream(dir.path() / "host.json") << config.dump();
  auto host =
      testing::HostProcess::start(CLOISTER_HOST_BINARY,
                                  {"--config", (dir.path() / "host.json").string(), "--database",
                                   "sqlite:" + (dir.path() / "load.db").string(), "--migrate"},
                                  dir.path());
  ASSERT_TRUE(host.ok()) << host.error().message();
  std::string origin = "http://127.0.0.1:" + std::to_string((*host)->port());
  size_t idle_rss = (*host)->rss_kib();

  std::vector<TestUser> users(clients);
  {
    auto client = net::HttpClient::create(origin);
    for (auto& user : users) ASSERT_TRUE(user.sign_in(*client, "http://cloister.test").ok());
  }

  std::atomic<size_t> errors{0};
  std::atomic<size_t> messages{0};
  std::mutex latency_mutex;
  std::vector<double> latencies_ms;
  std::atomic<size_t> requests{0};
  // Sessions open first and stay open until every sync client is done.
  std::barrier sessions_open(static_cast<std::ptrdiff_t>(sessions + 1));
  std::barrier sync_done(static_cast<std::ptrdiff_t>(sessions + 1));
  net::IoPool io(2);

  auto started = Clock::now();
  std::vector<std::thread> threads;
  for (size_t i = 0; i < sessions; ++i) {
    threads.emplace_back([&, i] {
      net::WebSocketClientOptions options;
      options.headers.set("Authorization", "Bearer " + users[i].token());
      auto session = net::connect_websocket(
          io, "ws://127.0.0.1:" + std::to_string((*host)->port()) + "/v1/session", options);
      if (!session.ok()) ++errors;
      sessions_open.arrive_and_wait();
      for (int m = 0; session.ok() && m < kMessagesPerSession; ++m) {
        Bytes frame = crypto::random_bytes(kMessageBytes);
        auto echoed = (*session)->write(net::WebSocketMessage::binary_message(frame)).ok()
                          ? (*session)->read(30s)
                          : Result<net::WebSocketMessage>(Error(ErrorCode::kUnavailable, "write"));
        if (!echoed.ok() || echoed->data != frame) {
          ++errors;
          break;
        }
        ++messages;
      }
      sync_done.arrive_and_wait();
      if (session.ok()) (*session)->close();
    });
  }
  sessions_open.arrive_and_wait();
  auto sessions_ready = Clock::now();
  size_t held_rss = (*host)->rss_kib();

  std::vector<std::thread> syncers;
  for (size_t i = 0; i < clients; ++i) {
    syncers.emplace_back([&, i] {
      auto client = net::HttpClient::create(origin);
      std::vector<double> mine;
      uint64_t cursor = 0;
      auto timed = [&](const net::HttpRequest& request, int expected) {
        auto begin = Clock::now();
        auto response = client->send(request);
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
        ++requests;
        if (!response.ok() || response->status != expected) {
          ++errors;
          return std::optional<net::HttpResponse>();
        }
        return std::optional<net::HttpResponse>(std::move(*response));
      };
      for (int round = 0; round < kSyncRounds; ++round) {
        std::string id = "conv-" + std::to_string(round);
        auto put = users[i].request(Method::kPut, "/v1/blobs/" + id,
                                    to_string(crypto::random_bytes(2048)));
        put.headers.set("If-None-Match", "*");
        timed(put, 201);
        auto feed =
            timed(users[i].request(Method::kGet, "/v1/blobs?since=" + std::to_string(cursor)), 200);
        if (feed) cursor = nlohmann::json::parse(feed->body)["cursor"].get<uint64_t>();
        timed(users[i].request(Method::kGet, "/v1/blobs/" + id), 200);
      }
      std::lock_guard lock(latency_mutex);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (auto& thread : syncers) thread.join();
  auto synced = Clock::now();
  // The relay still holds every session at this point.
  auto metrics = net::http_get(origin + "/metrics");
  sync_done.arrive_and_wait();
  for (auto& thread : threads) thread.join();
  auto finished = Clock::now();

  size_t peak_rss = (*host)->peak_rss_kib();
  double sync_seconds = std::chrono::duration<double>(synced - sessions_ready).count();
  double total_seconds = std::chrono::duration<double>(finished - started).count();
  std::cout << "load: " << clients << " sync clients, " << sessions << " relayed sessions held\n"
            << "load: " << requests << " API requests in " << sync_seconds << " s ("
            << static_cast<double>(requests) / sync_seconds << " req/s), latency p50 "
            << percentile(latencies_ms, 0.5) << " ms, p99 " << percentile(latencies_ms, 0.99)
            << " ms, max " << percentile(latencies_ms, 1.0) << " ms\n"
            << "load: " << messages << " messages echoed through the relay; " << total_seconds
            << " s in all\n"
            << "load: host RSS idle " << idle_rss / 1024 << " MiB, with sessions held "
            << held_rss / 1024 << " MiB, peak " << peak_rss / 1024 << " MiB\n"
            << "load: errors " << errors << "\n";

  EXPECT_EQ(errors.load(), 0u);
  EXPECT_EQ(messages.load(), sessions * kMessagesPerSession);
  EXPECT_EQ(requests.load(), clients * kSyncRounds * 3);
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("cloister_host_sessions_active " + std::to_string(sessions)),
            std::string::npos);
  EXPECT_GT(peak_rss, 0u);
  EXPECT_LT(peak_rss, kPeakMemoryBoundKib) << "host peak memory is not bounded";
  EXPECT_EQ((*host)->stop(), 0);
}

}  // namespace
}  // namespace cloister::host
