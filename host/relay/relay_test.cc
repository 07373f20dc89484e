// The session relay over real loopback WebSockets: client -> host -> stand-in
// enclave replicas (echo servers; the real enclave test lands with it).
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "crypto/random.h"
#include "host/relay/session_relay.h"
#include "host/testing/host_harness.h"

namespace cloister::host {
namespace {

using namespace std::chrono_literals;
using testing::EchoReplica;
using testing::TestUser;

class RelayTest : public ::testing::Test {
 protected:
  void start(HostConfig config) {
    auto host = testing::start_host(config);
    ASSERT_TRUE(host.ok()) << host.error().message();
    host_ = std::move(*host);
    auto client = net::HttpClient::create(testing::origin_of(*host_));
    ASSERT_TRUE(client.ok());
    client_ = std::make_unique<net::HttpClient>(std::move(*client));
    ASSERT_TRUE(user_.sign_in(*client_, config.auth.origin).ok());
  }

  std::unique_ptr<EchoReplica> replica() {
    auto started = EchoReplica::start();
    EXPECT_TRUE(started.ok());
    return std::move(*started);
  }

  HostConfig config_with(std::vector<ReplicaConfig> replicas) {
    HostConfig config = testing::test_config(dir_.path());
    config.relay.replicas = std::move(replicas);
    return config;
  }

  Result<std::shared_ptr<net::WebSocket>> open_session(const TestUser* user,
                                                       bool as_protocol = false) {
    net::WebSocketClientOptions options;
    if (user != nullptr && as_protocol) {
      options.headers.set("Sec-WebSocket-Protocol",
                          "cloister.v1, cloister.bearer." + user->token());
    } else if (user != nullptr) {
      options.headers.set("Authorization", "Bearer " + user->token());
    }
    return net::connect_websocket(
        io_, "ws://127.0.0.1:" + std::to_string(host_->port()) + "/v1/session", options);
  }

  net::testing::TempDir dir_;
  net::IoPool io_{2};
  std::unique_ptr<HostService> host_;
  std::unique_ptr<net::HttpClient> client_;
  TestUser user_;
};

TEST_F(RelayTest, RelaysMessagesBothWaysUntouched) {
  auto enclave = replica();
  start(config_with({enclave->config("a")}));
  auto session = open_session(&user_);
  ASSERT_TRUE(session.ok()) << session.error().message();
  for (size_t size : {1u, 100u, 65535u, 200000u}) {
    Bytes frame = crypto::random_bytes(size);
    ASSERT_TRUE((*session)->write(net::WebSocketMessage::binary_message(frame)).ok());
    auto echoed = (*session)->read(5s);
    ASSERT_TRUE(echoed.ok()) << echoed.error().message();
    EXPECT_TRUE(echoed->binary);
    EXPECT_EQ(echoed->data, frame);
  }
  EXPECT_EQ(enclave->sessions(), 1u);
  EXPECT_EQ(host_->metrics().sessions_active.value(), 1);
}

TEST_F(RelayTest, AcceptsTheTokenAsASubprotocolForBrowsers) {
  auto enclave = replica();
  start(config_with({enclave->config("a")}));
  auto session = open_session(&user_, true);
  ASSERT_TRUE(session.ok()) << session.error().message();
  ASSERT_TRUE((*session)->write(net::WebSocketMessage::text_message("hello")).ok());
  EXPECT_EQ((*session)->read(5s)->text(), "hello");
}

TEST_F(RelayTest, RequiresAValidTokenByDefault) {
  auto enclave = replica();
  start(config_with({enclave->config("a")}));
  auto anonymous = open_session(nullptr);
  ASSERT_FALSE(anonymous.ok());
  EXPECT_EQ(anonymous.error().code(), ErrorCode::kPermissionDenied);
  net::WebSocketClientOptions options;  // a well-formed token nobody issued
  options.headers.set("Authorization", "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  auto forged = net::connect_websocket(
      io_, "ws://127.0.0.1:" + std::to_string(host_->port()) + "/v1/session", options);
  EXPECT_FALSE(forged.ok());
  EXPECT_EQ(enclave->sessions(), 0u);
}

TEST_F(RelayTest, SpreadsSessionsOverTheLeastLoadedReplicas) {
  auto a = replica();
  auto b = replica();
  start(config_with({a->config("a"), b->config("b")}));
  std::vector<std::shared_ptr<net::WebSocket>> sessions;
  for (int i = 0; i < 6; ++i) {
    auto session = open_session(&user_);
    ASSERT_TRUE(session.ok()) << session.error().message();
    sessions.push_back(*session);
  }
  EXPECT_EQ(a->sessions(), 3u);
  EXPECT_EQ(b->sessions(), 3u);
  auto status = host_->replicas().status();
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].active_sessions + status[1].active_sessions, 6u);
}

TEST_F(RelayTest, FailsOverWhenAReplicaDies) {
  auto a = replica();
  auto b = replica();
  start(config_with({a->config("a"), b->config("b")}));
  a->stop();
  size_t b_before = b->sessions();
  // New sessions land on b, whether or not a health check has noticed yet.
  for (int i = 0; i < 4; ++i) {
    auto session = open_session(&user_);
    ASSERT_TRUE(session.ok()) << session.error().message();
    ASSERT_TRUE((*session)->write(net::WebSocketMessage::text_message("ping")).ok());
    EXPECT_EQ((*session)->read(5s)->text(), "ping");
  }
  EXPECT_EQ(b->sessions(), b_before + 4);
  auto status = host_->replicas().status();
  EXPECT_FALSE(status[0].healthy);
  EXPECT_TRUE(status[1].healthy);
}

TEST_F(RelayTest, RefusesSessionsWhenNoReplicaIsHealthy) {
  auto a = replica();
  start(config_with({a->config("a")}));
  a->stop();
  host_->replicas().check_all();
  auto session = open_session(&user_);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(session.error().message().find("503"), std::string::npos);
}

TEST_F(RelayTest, BringsARecoveredReplicaBack) {
  auto a = replica();
  start(config_with({a->config("a")}));
  host_->replicas().check_all();
  EXPECT_TRUE(host_->replicas().status()[0].healthy);
  // A replica that fails its health check leaves rotation...
  uint16_t port = a->port();
  a->stop();
  host_->replicas().check_all();
  EXPECT_FALSE(host_->replicas().status()[0].healthy);
  EXPECT_FALSE(open_session(&user_).ok());
  // ...and comes back once it answers again.
  auto restarted = EchoReplica::start(port);
  ASSERT_TRUE(restarted.ok()) << restarted.error().message();
  host_->replicas().check_all();
  EXPECT_TRUE(host_->replicas().status()[0].healthy);
  EXPECT_TRUE(open_session(&user_).ok());
}

TEST_F(RelayTest, LimitsConcurrentSessionsPerClientAndPerAccount) {
  auto enclave = replica();
  HostConfig config = config_with({enclave->config("a")});
  config.limits.sessions_per_account = 2;
  config.limits.sessions_per_ip = 3;
  start(config);
  auto first = open_session(&user_);
  auto second = open_session(&user_);
  ASSERT_TRUE(first.ok() && second.ok());
  auto third = open_session(&user_);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code(), ErrorCode::kResourceExhausted);

  TestUser other;
  ASSERT_TRUE(other.sign_in(*client_, config.auth.origin).ok());
  auto others = open_session(&other);
  ASSERT_TRUE(others.ok());
  auto over_ip = open_session(&other);
  ASSERT_FALSE(over_ip.ok());
  EXPECT_EQ(over_ip.error().code(), ErrorCode::kResourceExhausted);

  // Closing a session frees its place.
  (*first)->close();
  EXPECT_FALSE((*first)->read(5s).ok());
  first->reset();
  bool reopened = false;
  for (int i = 0; i < 50 && !reopened; ++i) {
    reopened = open_session(&user_).ok();
    if (!reopened) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(reopened);
}

TEST_F(RelayTest, ClosesSessionsThatExceedTheMessageRate) {
  auto enclave = replica();
  HostConfig config = config_with({enclave->config("a")});
  config.limits.messages_per_second = 5;
  config.limits.message_burst = 5;
  start(config);
  auto session = open_session(&user_);
  ASSERT_TRUE(session.ok());
  for (int i = 0; i < 50; ++i) {
    if (!(*session)->write(net::WebSocketMessage::text_message("flood")).ok()) break;
  }
  bool closed = false;
  for (int i = 0; i < 60 && !closed; ++i) closed = !(*session)->read(5s).ok();
  ASSERT_TRUE(closed);
  ASSERT_TRUE((*session)->peer_close_status().has_value());
  EXPECT_EQ((*session)->peer_close_status()->code, net::CloseCode::kPolicyViolation);
}

TEST_F(RelayTest, CountsOnlyTheClientsMessagesAgainstTheRate) {
  // The enclave's messages answer the client's, and a fast model streams
  // many: only what the client sends spends its budget. Five messages and
  // their five echoes pass a burst of five.
  auto enclave = replica();
  HostConfig config = config_with({enclave->config("a")});
  config.limits.messages_per_second = 0.01;
  config.limits.message_burst = 5;
  start(config);
  auto session = open_session(&user_);
  ASSERT_TRUE(session.ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*session)->write(net::WebSocketMessage::text_message("hello")).ok());
    auto echoed = (*session)->read(5s);
    ASSERT_TRUE(echoed.ok()) << i << ": " << echoed.error().message();
  }
}

TEST_F(RelayTest, PassesCloseCodesThrough) {
  // A replica that closes with its own code after the first message, and
  // records the code it receives when the client closes first.
  auto received = std::make_shared<std::promise<net::CloseStatus>>();
  net::Router router;
  ASSERT_TRUE(router
                  .add(net::Method::kGet, "/healthz",
                       [](net::HttpRequest&) { return net::HttpResponse::text(200, "ok"); })
                  .ok());
  ASSERT_TRUE(router
                  .add_websocket(
                      "/v1/session",
                      [received](net::HttpRequest&) {
                        return net::WebSocketUpgrade::accept(
                            [received](std::shared_ptr<net::WebSocket> s) {
                              s->async_read([s, received](Result<net::WebSocketMessage> message) {
                                if (message.ok() && message->text() == "close please") {
                                  s->close({static_cast<net::CloseCode>(4002), "enclave says bye"});
                                  return;
                                }
                                if (!message.ok() && s->peer_close_status()) {
                                  received->set_value(*s->peer_close_status());
                                }
                              });
                            });
                      })
                  .ok());
  auto server = net::HttpServer::start(std::move(router), {});
  ASSERT_TRUE(server.ok());
  std::string base = "127.0.0.1:" + std::to_string((*server)->port());
  start(config_with({{"custom", "ws://" + base + "/v1/session", "http://" + base + "/healthz"}}));

  auto session = open_session(&user_);
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->write(net::WebSocketMessage::text_message("close please")).ok());
  EXPECT_FALSE((*session)->read(5s).ok());
  ASSERT_TRUE((*session)->peer_close_status().has_value());
  EXPECT_EQ(static_cast<int>((*session)->peer_close_status()->code), 4002);
  EXPECT_EQ((*session)->peer_close_status()->reason, "enclave says bye");

  auto second = open_session(&user_);
  ASSERT_TRUE(second.ok());
  (*second)->close({static_cast<net::CloseCode>(4003), "client done"});
  auto future = received->get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  auto status = future.get();
  EXPECT_EQ(static_cast<int>(status.code), 4003);
  EXPECT_EQ(status.reason, "client done");
}

TEST(ForwardedClose, MapsUnsendableCodesToGoingAway) {
  EXPECT_EQ(forwarded_close(std::nullopt).code, net::CloseCode::kGoingAway);
  EXPECT_EQ(forwarded_close(net::CloseStatus{net::CloseCode::kAbnormal, ""}).code,
            net::CloseCode::kGoingAway);
  EXPECT_EQ(forwarded_close(net::CloseStatus{net::CloseCode::kNoStatus, ""}).code,
            net::CloseCode::kGoingAway);
  auto kept = forwarded_close(net::CloseStatus{net::CloseCode::kMessageTooBig, "big"});
  EXPECT_EQ(kept.code, net::CloseCode::kMessageTooBig);
  EXPECT_EQ(kept.reason, "big");
}

}  // namespace
}  // namespace cloister::host
