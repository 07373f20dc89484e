#include "net/websocket.h"

#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "net/http_server.h"
#include "net/testing/net_test_util.h"

namespace cloister::net {
namespace {

using namespace std::chrono_literals;

// A server with an echo route, a route that closes with a given code, and a
// route that refuses the upgrade.
std::unique_ptr<HttpServer> start(ServerOptions options = {},
                                  WebSocketOpenHandler custom = nullptr) {
  Router router;
  EXPECT_TRUE(router
                  .add_websocket(
                      "/echo",
                      [](HttpRequest&) { return WebSocketUpgrade::accept(testing::echo_messages); })
                  .ok());
  EXPECT_TRUE(router
                  .add_websocket("/close",
                                 [](HttpRequest&) {
                                   return WebSocketUpgrade::accept(
                                       [](std::shared_ptr<WebSocket> socket) {
                                         socket->close({static_cast<CloseCode>(4001), "bye now"});
                                       });
                                 })
                  .ok());
  EXPECT_TRUE(router
                  .add_websocket("/refuse",
                                 [](HttpRequest&) {
                                   return WebSocketUpgrade::refuse(
                                       HttpResponse::text(401, "no token"));
                                 })
                  .ok());
  EXPECT_TRUE(router
                  .add_websocket("/whoami",
                                 [](HttpRequest& request) {
                                   std::string who =
                                       std::string(request.bearer_token().value_or("nobody")) +
                                       "/" + request.query_param("room").value_or("");
                                   WebSocketUpgrade upgrade = WebSocketUpgrade::accept(
                                       [who](std::shared_ptr<WebSocket> socket) {
                                         socket->async_write(WebSocketMessage::text_message(who));
                                       });
                                   upgrade.headers.set("X-Room", "ok");
                                   return upgrade;
                                 })
                  .ok());
  if (custom) {
    EXPECT_TRUE(
        router
            .add_websocket("/custom",
                           [custom](HttpRequest&) { return WebSocketUpgrade::accept(custom); })
            .ok());
  }
  auto server = HttpServer::start(std::move(router), std::move(options));
  EXPECT_TRUE(server.ok()) << server.error().message();
  return std::move(*server);
}

std::string url(const HttpServer& server, std::string_view path) {
  return std::string(server.tls() ? "wss" : "ws") +
         "://localhost:" + std::to_string(server.port()) + std::string(path);
}

TEST(WebSocket, EchoesBinaryAndTextMessages) {
  auto server = start();
  IoPool pool;
  auto socket = connect_websocket(pool, url(*server, "/echo"));
  ASSERT_TRUE(socket.ok()) << socket.error().message();
  Bytes payload(70000);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 7);
  ASSERT_TRUE((*socket)->write(WebSocketMessage::binary_message(payload)).ok());
  ASSERT_TRUE((*socket)->write(WebSocketMessage::text_message("hi")).ok());
  auto first = (*socket)->read(5s);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(first->binary);
  EXPECT_EQ(first->data, payload);
  auto second = (*socket)->read(5s);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->binary);
  EXPECT_EQ(second->text(), "hi");
}

TEST(WebSocket, PassesHeadersAndQueryToTheUpgradeHandler) {
  auto server = start();
  IoPool pool;
  WebSocketClientOptions options;
  options.headers.set("Authorization", "Bearer t0k3n");
  auto socket = connect_websocket(pool, url(*server, "/whoami?room=42"), options);
  ASSERT_TRUE(socket.ok());
  auto message = (*socket)->read(5s);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->text(), "t0k3n/42");
}

TEST(WebSocket, ReportsTheStatusOfARefusedUpgrade) {
  auto server = start();
  IoPool pool;
  auto socket = connect_websocket(pool, url(*server, "/refuse"));
  ASSERT_FALSE(socket.ok());
  EXPECT_EQ(socket.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(socket.error().message().find("401"), std::string::npos);
}

TEST(WebSocket, DeliversThePeersCloseCodeAndReason) {
  auto server = start();
  IoPool pool;
  auto socket = connect_websocket(pool, url(*server, "/close"));
  ASSERT_TRUE(socket.ok());
  auto message = (*socket)->read(5s);
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error().code(), ErrorCode::kUnavailable);
  auto status = (*socket)->peer_close_status();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(static_cast<int>(status->code), 4001);
  EXPECT_EQ(status->reason, "bye now");
  EXPECT_FALSE((*socket)->is_open());
  EXPECT_FALSE((*socket)->write(WebSocketMessage::text_message("late")).ok());
}

TEST(WebSocket, ClosesWithTooBigOnOversizedMessages) {
  std::promise<Error> server_error;
  auto server =
      start({.websocket = {.max_message_bytes = 1024}}, [&](std::shared_ptr<WebSocket> socket) {
        socket->async_read([&server_error, socket](Result<WebSocketMessage> m) {
          if (!m.ok()) server_error.set_value(m.error());
        });
      });
  IoPool pool;
  auto socket = connect_websocket(pool, url(*server, "/custom"));
  ASSERT_TRUE(socket.ok());
  ASSERT_TRUE((*socket)->write(WebSocketMessage::binary_message(Bytes(4096, 1))).ok());
  auto future = server_error.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(future.get().code(), ErrorCode::kResourceExhausted);
  auto reply = (*socket)->read(5s);
  ASSERT_FALSE(reply.ok());
  ASSERT_TRUE((*socket)->peer_close_status().has_value());
  EXPECT_EQ((*socket)->peer_close_status()->code, CloseCode::kMessageTooBig);
}

// The tail of an oversized message may still be on its way when the server
// refuses it. The server must then finish the closing handshake, reading and
// dropping that tail, rather than close its socket with unread bytes: that
// resets the connection, and the sender may never see the 1009.
TEST(WebSocket, RefusesAnOversizedMessageWithoutResettingItsSender) {
  auto server = start({.websocket = {.max_message_bytes = 1024}},
                      [](const std::shared_ptr<WebSocket>& socket) {
                        socket->async_read([socket](const Result<WebSocketMessage>&) {});
                      });
  testing::RawSocket raw(server->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(
      raw.send("GET /custom HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n"));
  ASSERT_NE(raw.read_until("\r\n\r\n", 5s).find(" 101 "), std::string::npos);
  // One masked binary frame of 4096 bytes (mask key zero), in three pieces.
  const std::string header("\x82\xfe\x10\x00\x00\x00\x00\x00", 8);
  ASSERT_TRUE(raw.send(header + std::string(512, 'a')));
  std::this_thread::sleep_for(200ms);  // refused by now
  ASSERT_TRUE(raw.send(std::string(1024, 'b')));
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(raw.send(std::string(4096 - 1536, 'c')));
  std::this_thread::sleep_for(200ms);  // a reset would have come back by now
  // The reply to the server's close frame: masked, code 1009.
  EXPECT_TRUE(raw.send(std::string("\x88\x82\x00\x00\x00\x00\x03\xf1", 8)));
  // The server's close frame: code 1009, then a reason.
  const std::string too_big("\x03\xf1", 2);
  const std::string got = raw.read_until(too_big, 5s);
  const size_t frame = got.find('\x88');
  ASSERT_NE(frame, std::string::npos);
  EXPECT_EQ(got.substr(frame + 2, 2), too_big);
  EXPECT_TRUE(raw.closed_by_peer_within(5s));
}

TEST(WebSocket, BoundsTheSendQueueWhenThePeerDoesNotRead) {
  constexpr size_t kQueueLimit = 1 << 20;
  std::promise<std::shared_ptr<WebSocket>> server_side;
  auto server = start({.websocket = {.max_queued_bytes = kQueueLimit, .write_timeout = 500ms}},
                      [&](std::shared_ptr<WebSocket> socket) { server_side.set_value(socket); });
  IoPool pool;
  auto client = connect_websocket(pool, url(*server, "/custom"));
  ASSERT_TRUE(client.ok());
  auto socket = server_side.get_future().get();
  // Queue 64 KiB messages without waiting for them, as a careless producer
  // would, while the client never reads: the queue must refuse rather than
  // grow, and the stalled connection must end after the write timeout.
  Bytes chunk(64 * 1024, 0x5a);
  size_t max_queued = 0;
  auto refused = std::make_shared<std::atomic<size_t>>(0);
  for (int i = 0; i < 20000 && socket->is_open(); ++i) {
    socket->async_write(WebSocketMessage::binary_message(chunk), [refused](Status status) {
      if (!status.ok() && status.error().code() == ErrorCode::kResourceExhausted) ++*refused;
    });
    max_queued = std::max(max_queued, socket->queued_bytes());
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_FALSE(socket->is_open());
  EXPECT_LE(max_queued, kQueueLimit + chunk.size());
  EXPECT_GT(refused->load(), 0u);
  socket.reset();
}

TEST(WebSocket, RefusesWritesBeyondTheQueueLimit) {
  std::promise<Status> refused;
  auto server =
      start({.websocket = {.max_queued_bytes = 1000}}, [&](std::shared_ptr<WebSocket> socket) {
        // Both are queued before the strand can write either.
        socket->async_write(WebSocketMessage::binary_message(Bytes(800)));
        socket->async_write(WebSocketMessage::binary_message(Bytes(800)),
                            [&](Status status) { refused.set_value(status); });
      });
  IoPool pool;
  auto socket = connect_websocket(pool, url(*server, "/custom"));
  ASSERT_TRUE(socket.ok());
  auto future = refused.get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  auto status = future.get();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kResourceExhausted);
}

TEST(WebSocket, BlockingReadTimesOutAndKeepsTheReadPending) {
  std::promise<std::shared_ptr<WebSocket>> server_side;
  auto server =
      start({}, [&](std::shared_ptr<WebSocket> socket) { server_side.set_value(socket); });
  IoPool pool;
  auto socket = connect_websocket(pool, url(*server, "/custom"));
  ASSERT_TRUE(socket.ok());
  auto nothing = (*socket)->read(50ms);
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().code(), ErrorCode::kDeadlineExceeded);
  auto peer = server_side.get_future().get();
  peer->async_write(WebSocketMessage::text_message("later"));
  auto message = (*socket)->read(5s);
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->text(), "later");
}

TEST(WebSocket, ServerStopSendsGoingAway) {
  auto server = start();
  IoPool pool;
  auto socket = connect_websocket(pool, url(*server, "/echo"));
  ASSERT_TRUE(socket.ok());
  // The client is reading (as a live session would be) when the server stops.
  std::atomic<bool> read_failed{false};
  std::thread reader([&] { read_failed = !(*socket)->read(5s).ok(); });
  std::this_thread::sleep_for(50ms);
  server->stop();
  reader.join();
  ASSERT_TRUE(read_failed);
  ASSERT_TRUE((*socket)->peer_close_status().has_value());
  EXPECT_EQ((*socket)->peer_close_status()->code, CloseCode::kGoingAway);
}

TEST(WebSocket, WorksOverTls) {
  testing::TempDir dir;
  auto files = testing::write_self_signed_certificate(dir.path());
  ASSERT_TRUE(files.ok());
  auto server = start({.tls = TlsFiles{files->cert_file, files->key_file}});
  IoPool pool;
  auto socket = connect_websocket(pool, url(*server, "/echo"), {.ca_file = files->cert_file});
  ASSERT_TRUE(socket.ok()) << socket.error().message();
  ASSERT_TRUE((*socket)->write(WebSocketMessage::text_message("sealed")).ok());
  auto echoed = (*socket)->read(5s);
  ASSERT_TRUE(echoed.ok());
  EXPECT_EQ(echoed->text(), "sealed");

  auto untrusted = connect_websocket(pool, url(*server, "/echo"));
  EXPECT_FALSE(untrusted.ok());
}

TEST(WebSocket, CountsAgainstTheServersConnectionLimit) {
  auto server = start({.max_connections = 1});
  IoPool pool;
  auto first = connect_websocket(pool, url(*server, "/echo"));
  ASSERT_TRUE(first.ok());
  auto second = connect_websocket(pool, url(*server, "/echo"), {.connect_timeout = 2s});
  EXPECT_FALSE(second.ok());
  (*first)->close();
  first->reset();
  bool admitted = false;
  for (int i = 0; i < 50 && !admitted; ++i) {
    std::this_thread::sleep_for(20ms);
    admitted = connect_websocket(pool, url(*server, "/echo")).ok();
  }
  EXPECT_TRUE(admitted);
}

TEST(WebSocket, RejectsBadUrls) {
  IoPool pool;
  auto socket = connect_websocket(pool, "http://127.0.0.1:1/");
  ASSERT_FALSE(socket.ok());
  EXPECT_EQ(socket.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace cloister::net
