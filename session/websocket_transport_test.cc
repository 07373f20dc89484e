// Sessions over real WebSockets on 127.0.0.1: a handshake and a streamed
// response end to end, and the transport's edges (deadlines, text messages,
// oversized messages, the peer going away).
#include "session/websocket_transport.h"

#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "net/http_server.h"
#include "session/session.h"
#include "session/test_support.h"

namespace cloister::session {
namespace {

using namespace std::chrono_literals;

// A WebSocket server whose route hands each accepted socket to `serve` on a
// thread of its own (the open handler must not block).
class Server {
 public:
  using Serve = std::function<void(std::shared_ptr<net::WebSocket>)>;

  explicit Server(Serve serve) : serve_(std::move(serve)) {
    net::Router router;
    EXPECT_TRUE(router
                    .add_websocket("/v1/session",
                                   [this](net::HttpRequest&) {
                                     return net::WebSocketUpgrade::accept(
                                         [this](std::shared_ptr<net::WebSocket> socket) {
                                           std::lock_guard lock(mutex_);
                                           threads_.emplace_back(serve_, std::move(socket));
                                         });
                                   },
                                   {.max_body_bytes = {}, .max_message_bytes = 65535})
                    .ok());
    net::ServerOptions options;
    options.websocket = session_websocket_options();
    auto server = net::HttpServer::start(std::move(router), options);
    EXPECT_TRUE(server.ok());
    if (server.ok()) server_ = std::move(server).value();
  }

  ~Server() {
    if (server_) server_->stop();
    std::lock_guard lock(mutex_);
    for (std::thread& thread : threads_) thread.join();
  }

  std::string url() const {
    return "ws://127.0.0.1:" + std::to_string(server_->port()) + "/v1/session";
  }
  net::IoPool& pool() { return server_->io_pool(); }

 private:
  Serve serve_;
  std::unique_ptr<net::HttpServer> server_;
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

TEST(WebSocketTransport, CarriesAWholeSessionWithAStreamedResponse) {
  testing::Enclave enclave;
  Server server([&](std::shared_ptr<net::WebSocket> socket) {
    WebSocketTransport transport(std::move(socket));
    auto session = Session::accept(transport, enclave.config(), system_clock());
    ASSERT_TRUE(session.ok()) << session.error().message();
    auto request = (*session)->receive(system_clock().now() + 10s);
    ASSERT_TRUE(request.ok()) << request.error().message();
    ASSERT_EQ(request->kind, EventKind::kRequest);
    // A body larger than one Noise message, so that chunking crosses WebSocket messages.
    EXPECT_EQ(request->body, Bytes(100'000, 0x42));
    ASSERT_TRUE((*session)->send_response_start(request->stream_id, as_bytes("head")).ok());
    for (int i = 0; i < 10; ++i) {
      std::string delta = "delta " + std::to_string(i);
      ASSERT_TRUE((*session)->send_stream_delta(request->stream_id, as_bytes(delta)).ok());
    }
    ASSERT_TRUE((*session)->send_response_end(request->stream_id, as_bytes("end")).ok());
    auto closed = (*session)->receive(system_clock().now() + 10s);
    EXPECT_FALSE(closed.ok());
  });

  net::IoPool pool;
  auto transport = WebSocketTransport::connect(pool, server.url());
  ASSERT_TRUE(transport.ok()) << transport.error().message();
  auto session = Session::connect(**transport, testing::client_config(), system_clock());
  ASSERT_TRUE(session.ok()) << session.error().message();
  auto stream = (*session)->send_request(Bytes(100'000, 0x42));
  ASSERT_TRUE(stream.ok());
  std::vector<std::string> received;
  while (true) {
    auto event = (*session)->receive(system_clock().now() + 10s);
    ASSERT_TRUE(event.ok()) << event.error().message();
    received.push_back(to_string(event->body));
    if (event->kind == EventKind::kResponseEnd) break;
  }
  ASSERT_EQ(received.size(), 12u);
  EXPECT_EQ(received.front(), "head");
  EXPECT_EQ(received[5], "delta 4");
  EXPECT_EQ(received.back(), "end");
  (*session)->close();
}

TEST(WebSocketTransport, DeadlineLeavesTheConnectionUsable) {
  std::promise<void> go;
  Server server([&](std::shared_ptr<net::WebSocket> socket) {
    WebSocketTransport transport(std::move(socket));
    go.get_future().wait();
    EXPECT_TRUE(transport.send(as_bytes("late")).ok());
    (void)transport.receive(system_clock().now() + 5s);
  });
  net::IoPool pool;
  auto transport = WebSocketTransport::connect(pool, server.url());
  ASSERT_TRUE(transport.ok());
  auto nothing = (*transport)->receive(system_clock().now() + 100ms);
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().code(), ErrorCode::kDeadlineExceeded);
  go.set_value();
  auto late = (*transport)->receive(system_clock().now() + 10s);
  ASSERT_TRUE(late.ok()) << late.error().message();
  EXPECT_EQ(to_string(*late), "late");
}

TEST(WebSocketTransport, AnInjectedClockPastTheDeadlineEndsTheWait) {
  Server server([](std::shared_ptr<net::WebSocket> socket) {
    WebSocketTransport transport(std::move(socket));
    (void)transport.receive(system_clock().now() + 5s);
  });
  net::IoPool pool;
  FixedClock clock(from_unix_seconds(1'700'000'000));
  auto transport = WebSocketTransport::connect(pool, server.url(), {}, clock);
  ASSERT_TRUE(transport.ok());
  std::thread mover([&] {
    std::this_thread::sleep_for(50ms);
    clock.advance(1h);
  });
  // The deadline is an hour away on the injected clock; moving the clock ends the wait.
  auto nothing = (*transport)->receive(clock.now() + 30min);
  mover.join();
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().code(), ErrorCode::kDeadlineExceeded);
}

TEST(WebSocketTransport, TextMessagesAreRefused) {
  Server server([](std::shared_ptr<net::WebSocket> socket) {
    EXPECT_TRUE(socket->write(net::WebSocketMessage::text_message("hello")).ok());
    (void)socket->read(5s);
  });
  net::IoPool pool;
  auto transport = WebSocketTransport::connect(pool, server.url());
  ASSERT_TRUE(transport.ok());
  auto message = (*transport)->receive(system_clock().now() + 10s);
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error().code(), ErrorCode::kMalformed);
}

TEST(WebSocketTransport, OversizedMessagesCloseTheConnection) {
  std::promise<Status> outcome;
  Server server([&](std::shared_ptr<net::WebSocket> socket) {
    WebSocketTransport transport(std::move(socket));
    auto message = transport.receive(system_clock().now() + 10s);
    outcome.set_value(message.ok() ? ok_status() : Status(std::move(message).error()));
  });
  net::IoPool pool;
  net::WebSocketClientOptions options;
  auto socket = net::connect_websocket(pool, server.url(), options);
  ASSERT_TRUE(socket.ok());
  (void)(*socket)->write(net::WebSocketMessage::binary_message(Bytes(65536, 1)));
  auto future = outcome.get_future();
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  Status status = future.get();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kResourceExhausted);

  WebSocketTransport client(std::move(socket).value());
  EXPECT_EQ(client.send(Bytes(65536, 1)).error().code(), ErrorCode::kInvalidArgument);
}

TEST(WebSocketTransport, PeerCloseEndsReceiving) {
  Server server([](std::shared_ptr<net::WebSocket> socket) {
    WebSocketTransport transport(std::move(socket));
    transport.close();
  });
  net::IoPool pool;
  auto transport = WebSocketTransport::connect(pool, server.url());
  ASSERT_TRUE(transport.ok());
  auto message = (*transport)->receive(system_clock().now() + 10s);
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE((*transport)->send(as_bytes("after close")).ok());
}

}  // namespace
}  // namespace cloister::session
