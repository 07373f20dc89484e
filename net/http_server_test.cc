#include "net/http_server.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "net/http_client.h"
#include "net/response_stream.h"
#include "net/testing/net_test_util.h"

namespace cloister::net {
namespace {

using namespace std::chrono_literals;
using testing::RawSocket;

Router test_router() {
  Router router;
  EXPECT_TRUE(router
                  .add(Method::kGet, "/hello/{name}",
                       [](HttpRequest& request) {
                         return HttpResponse::text(200,
                                                   "hello " + std::string(request.param("name")));
                       })
                  .ok());
  EXPECT_TRUE(router
                  .add(Method::kPost, "/echo",
                       [](HttpRequest& request) {
                         return HttpResponse::text(200, request.body, "application/octet-stream");
                       })
                  .ok());
  EXPECT_TRUE(router
                  .add(Method::kPost, "/big",
                       [](HttpRequest& request) {
                         return HttpResponse::text(200, std::to_string(request.body.size()));
                       },
                       {.max_body_bytes = 4 << 20})
                  .ok());
  EXPECT_TRUE(router
                  .add(Method::kGet, "/query",
                       [](HttpRequest& request) {
                         return HttpResponse::text(200, request.query_param("q").value_or("none"));
                       })
                  .ok());
  EXPECT_TRUE(router
                  .add(Method::kGet, "/bad-response",
                       [](HttpRequest&) {
                         HttpResponse response = HttpResponse::text(1000, "odd");
                         response.headers.set("X-Split", "a\r\nSet-Cookie: injected=1");
                         response.headers.set("Bad Name", "x");
                         response.headers.set("X-Fine", "ok");
                         return response;
                       })
                  .ok());
  EXPECT_TRUE(router
                  .add(Method::kGet, "/throws",
                       [](HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); })
                  .ok());
  EXPECT_TRUE(router
                  .add(Method::kGet, "/events",
                       [](HttpRequest&) {
                         return HttpResponse::event_stream(
                             [](std::shared_ptr<ResponseStream> stream) {
                               for (int i = 0; i < 50; ++i) {
                                 stream->send_event({.event = "n", .data = std::to_string(i)});
                               }
                               stream->send_event({.data = "[DONE]"});
                             });
                       })
                  .ok());
  EXPECT_TRUE(router
                  .add(Method::kGet, "/chunks",
                       [](HttpRequest&) {
                         return HttpResponse::chunked("text/plain",
                                                      [](std::shared_ptr<ResponseStream> stream) {
                                                        // Written from a thread of the producer's
                                                        // own.
                                                        std::thread writer([stream] {
                                                          for (int i = 0; i < 100; ++i)
                                                            stream->write(std::to_string(i) + ",");
                                                        });
                                                        writer.join();
                                                      });
                       })
                  .ok());
  return router;
}

std::unique_ptr<HttpServer> start(ServerOptions options = {}, Router router = test_router(),
                                  RequestObserver observer = nullptr) {
  auto server = HttpServer::start(std::move(router), std::move(options), std::move(observer));
  EXPECT_TRUE(server.ok()) << server.error().message();
  return server.ok() ? std::move(*server) : nullptr;
}

HttpClient client_for(const HttpServer& server, HttpClientOptions options = {}) {
  auto client =
      HttpClient::create("http://127.0.0.1:" + std::to_string(server.port()), std::move(options));
  EXPECT_TRUE(client.ok());
  return std::move(*client);
}

TEST(HttpServer, RoutesWithDecodedParameters) {
  auto server = start();
  auto client = client_for(*server);
  auto response = client.get("/hello/w%C3%B6rld");
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello w\xC3\xB6rld");
  EXPECT_EQ(client.get("/query?q=a%20b")->body, "a b");
  EXPECT_EQ(client.get("/query?q=a+b")->body, "a b");
}

TEST(HttpServer, EchoesBodiesOverOneKeptAliveConnection) {
  auto server = start();
  auto client = client_for(*server);
  for (int i = 0; i < 5; ++i) {
    std::string body(1000 * i, static_cast<char>('a' + i));
    auto response = client.post("/echo", body, "application/octet-stream");
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->body, body);
    EXPECT_EQ(server->open_connections(), 1u);
  }
}

TEST(HttpServer, AnswersUnknownPathsAndMethodsWithJsonErrors) {
  auto server = start();
  auto client = client_for(*server);
  auto missing = client.get("/nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  auto body = nlohmann::json::parse(missing->body);
  EXPECT_EQ(body["error"]["type"], "not_found");

  HttpRequest request;
  request.method = Method::kDelete;
  request.target = "/echo";
  auto wrong_method = client.send(request);
  ASSERT_TRUE(wrong_method.ok());
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(wrong_method->headers.get("Allow"), "POST");
}

TEST(HttpServer, TurnsHandlerExceptionsIntoServerErrors) {
  auto server = start();
  auto client = client_for(*server);
  auto response = client.get("/throws");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(client.get("/hello/again")->status, 200);
}

TEST(HttpServer, NeverSendsMalformedStatusesOrHeaders) {
  auto server = start();
  auto client = client_for(*server);
  auto response = client.get("/bad-response");
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->status, 500);
  EXPECT_FALSE(response->headers.contains("X-Split"));
  EXPECT_FALSE(response->headers.contains("Set-Cookie"));
  EXPECT_FALSE(response->headers.contains("Bad Name"));
  EXPECT_EQ(response->headers.get("X-Fine"), "ok");
}

TEST(HttpServer, RefusesOversizedBodiesAndKeepsServing) {
  auto server = start({.max_body_bytes = 1024});
  auto client = client_for(*server);
  auto declared = client.post("/echo", std::string(4096, 'x'));
  ASSERT_TRUE(declared.ok()) << declared.error().message();
  EXPECT_EQ(declared->status, 413);

  // A chunked body gives no length up front; the limit still holds.
  RawSocket raw(server->port());
  ASSERT_TRUE(raw.connected());
  raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 8; ++i) raw.send("200\r\n" + std::string(512, 'y') + "\r\n");
  EXPECT_NE(raw.read_until("\r\n\r\n", 5s).find(" 413 "), std::string::npos);

  EXPECT_EQ(client.post("/echo", "small")->body, "small");
}

TEST(HttpServer, AppliesPerRouteBodyLimits) {
  auto server = start({.max_body_bytes = 1024});
  auto client = client_for(*server);
  auto response = client.post("/big", std::string(2 << 20, 'z'));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, std::to_string(2 << 20));
}

TEST(HttpServer, RefusesOversizedHeaders) {
  auto server = start({.max_header_bytes = 2048});
  RawSocket raw(server->port());
  raw.send("GET /hello/x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8192, 'h') + "\r\n\r\n");
  EXPECT_NE(raw.read_until("\r\n\r\n", 5s).find(" 431 "), std::string::npos);
}

TEST(HttpServer, RefusesMalformedRequests) {
  auto server = start();
  for (const char* request : {"BLAH\r\n\r\n", "GET /../secret HTTP/1.1\r\nHost: x\r\n\r\n",
                              "GET http://evil/ HTTP/1.1\r\nHost: x\r\n\r\n",
                              "GET /hello/x HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n"}) {
    RawSocket raw(server->port());
    raw.send(request);
    EXPECT_NE(raw.read_until("\r\n\r\n", 5s).find(" 400 "), std::string::npos) << request;
  }
}

TEST(HttpServer, ClosesSlowlorisConnectionsWhileServingOthers) {
  auto server = start({.read_timeout = 300ms});
  RawSocket slow(server->port());
  ASSERT_TRUE(slow.connected());
  slow.send("GET /hello/x HTTP/1.1\r\nHost: x\r\n");
  bool closed = false;
  // Trickle a header line every 100 ms; each byte arrives well within any
  // per-read timeout, but the whole head never does.
  for (int i = 0; i < 50 && !closed; ++i) {
    if (!slow.send("X-" + std::to_string(i) + ": y\r\n")) closed = true;
    if (slow.closed_by_peer_within(100ms)) closed = true;
  }
  EXPECT_TRUE(closed);
  auto client = client_for(*server);
  EXPECT_EQ(client.get("/hello/fast")->status, 200);
}

TEST(HttpServer, ClosesIdleKeptAliveConnections) {
  auto server = start({.idle_timeout = 200ms});
  RawSocket raw(server->port());
  raw.send("GET /hello/x HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(raw.read_until("hello x", 5s).find("hello x"), std::string::npos);
  EXPECT_TRUE(raw.closed_by_peer_within(5s));
}

TEST(HttpServer, ClosesConnectionsBeyondTheLimit) {
  auto server = start({.max_connections = 2});
  RawSocket first(server->port());
  RawSocket second(server->port());
  // Make sure both were admitted before the third arrives.
  first.send("GET /hello/1 HTTP/1.1\r\nHost: x\r\n\r\n");
  second.send("GET /hello/2 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_NE(first.read_until("hello 1", 5s).find("hello 1"), std::string::npos);
  ASSERT_NE(second.read_until("hello 2", 5s).find("hello 2"), std::string::npos);
  RawSocket third(server->port());
  EXPECT_TRUE(third.closed_by_peer_within(5s));
}

TEST(HttpServer, AnswersExpectContinue) {
  auto server = start();
  RawSocket raw(server->port());
  raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_NE(raw.read_until("\r\n\r\n", 5s).find("100 Continue"), std::string::npos);
  raw.send("abcde");
  EXPECT_NE(raw.read_until("abcde", 5s).find("abcde"), std::string::npos);
}

TEST(HttpServer, AnswersHeadWithoutABody) {
  auto server = start();
  auto client = client_for(*server);
  HttpRequest request;
  request.method = Method::kHead;
  request.target = "/hello/x";
  auto response = client.send(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers.get("Content-Length"), "7");
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(client.get("/hello/y")->body, "hello y");
}

TEST(HttpServer, StreamsChunkedBodiesWrittenFromAnotherThread) {
  auto server = start();
  auto client = client_for(*server);
  std::string body;
  HttpRequest request;
  request.target = "/chunks";
  auto head = client.stream(request, [&](const HttpResponse& response, std::string_view piece) {
    EXPECT_EQ(response.headers.get("Transfer-Encoding"), "chunked");
    body.append(piece);
    return true;
  });
  ASSERT_TRUE(head.ok()) << head.error().message();
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += std::to_string(i) + ",";
  EXPECT_EQ(body, expected);
  EXPECT_EQ(client.get("/hello/after")->body, "hello after");
}

TEST(HttpServer, StreamsServerSentEventsInOrder) {
  auto server = start();
  auto client = client_for(*server);
  std::vector<std::string> data;
  HttpRequest request;
  request.target = "/events";
  auto head =
      client.stream_events(request, [&](const HttpResponse& response, const SseEvent& event) {
        EXPECT_EQ(response.headers.get("Content-Type"), "text/event-stream");
        data.push_back(event.data);
        return true;
      });
  ASSERT_TRUE(head.ok()) << head.error().message();
  ASSERT_EQ(data.size(), 51u);
  EXPECT_EQ(data[0], "0");
  EXPECT_EQ(data[49], "49");
  EXPECT_EQ(data[50], "[DONE]");
}

TEST(HttpServer, SlowReaderPushesBackOnTheProducer) {
  std::atomic<size_t> written{0};
  std::atomic<bool> gave_up{false};
  Router router;
  ASSERT_TRUE(router
                  .add(Method::kGet, "/flood",
                       [&](HttpRequest&) {
                         return HttpResponse::chunked("application/octet-stream",
                                                      [&](std::shared_ptr<ResponseStream> stream) {
                                                        std::string piece(16 * 1024, 'f');
                                                        // Bounded: 1 GiB would mean no
                                                        // back-pressure.
                                                        for (int i = 0; i < 65536; ++i) {
                                                          if (!stream->write(piece)) {
                                                            gave_up = true;
                                                            return;
                                                          }
                                                          written += piece.size();
                                                        }
                                                      });
                       })
                  .ok());
  auto server =
      start({.write_timeout = 500ms, .stream_buffer_bytes = 64 * 1024}, std::move(router));
  {
    RawSocket raw(server->port());
    raw.send("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n");
    raw.read_until("\r\n\r\n", 5s);
    // Never read again: the producer must stall, then give up.
    for (int i = 0; i < 100 && !gave_up; ++i) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(gave_up);
  // What was accepted is bounded by the stream buffer plus the kernel's socket
  // buffers, far below what the producer wanted to send.
  EXPECT_LT(written.load(), size_t{64} << 20);
}

TEST(HttpServer, AddsDefaultHeadersAndReportsRequests) {
  std::mutex mutex;
  std::vector<RequestRecord> records;
  ServerOptions options;
  options.default_headers.set("X-Content-Type-Options", "nosniff");
  auto server = start(options, test_router(), [&](const RequestRecord& record) {
    std::lock_guard lock(mutex);
    records.push_back(record);
  });
  auto client = client_for(*server);
  auto response = client.get("/hello/x");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->headers.get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(client.get("/missing")->status, 404);
  // Requests are reported once their response is written, which may be just
  // after the client has it.
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard lock(mutex);
      if (records.size() == 2) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  std::lock_guard lock(mutex);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].route, "/hello/{name}");
  EXPECT_EQ(records[0].status, 200);
  EXPECT_EQ(records[1].route, "unmatched");
  EXPECT_EQ(records[1].status, 404);
}

TEST(HttpServer, ServesTlsWithCertificateFiles) {
  testing::TempDir dir;
  auto files = testing::write_self_signed_certificate(dir.path());
  ASSERT_TRUE(files.ok()) << files.error().message();
  auto server = start({.tls = TlsFiles{files->cert_file, files->key_file}});
  ASSERT_TRUE(server->tls());
  std::string origin = "https://localhost:" + std::to_string(server->port());
  auto trusted = HttpClient::create(origin, {.ca_file = files->cert_file});
  ASSERT_TRUE(trusted.ok());
  auto response = trusted->get("/hello/tls");
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->body, "hello tls");

  auto untrusted = HttpClient::create(origin);
  ASSERT_TRUE(untrusted.ok());
  EXPECT_FALSE(untrusted->get("/hello/tls").ok());
}

TEST(HttpServer, RefusesMissingCertificateFiles) {
  auto server = HttpServer::start(test_router(), {.tls = TlsFiles{"/nonexistent/cert.pem", "/x"}});
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.error().message().find("/nonexistent/cert.pem"), std::string::npos);
}

TEST(HttpServer, StopClosesOpenConnections) {
  auto server = start();
  RawSocket idle(server->port());
  ASSERT_TRUE(idle.connected());
  idle.send("GET /hello/x HTTP/1.1\r\nHost: x\r\n\r\n");
  idle.read_until("hello x", 5s);
  server->stop();
  EXPECT_TRUE(idle.closed_by_peer_within(5s));
  server->stop();  // idempotent
}

TEST(HttpClient, ReconnectsAfterTheServerDroppedAnIdleConnection) {
  auto server = start({.idle_timeout = 100ms});
  auto client = client_for(*server);
  EXPECT_EQ(client.get("/hello/1")->status, 200);
  std::this_thread::sleep_for(400ms);
  auto again = client.get("/hello/2");
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->body, "hello 2");
}

TEST(HttpClient, BoundsResponseSize) {
  auto server = start();
  auto client = client_for(*server, {.max_response_bytes = 100});
  auto response = client.post("/echo", std::string(1000, 'x'));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kResourceExhausted);
}

TEST(HttpClient, TimesOutOnSlowServers) {
  Router router;
  ASSERT_TRUE(router
                  .add(Method::kGet, "/slow",
                       [](HttpRequest&) {
                         std::this_thread::sleep_for(1500ms);
                         return HttpResponse::text(200, "late");
                       })
                  .ok());
  auto server = start({}, std::move(router));
  auto client = client_for(*server, {.request_timeout = 200ms});
  auto response = client.get("/slow");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kDeadlineExceeded);
}

TEST(HttpClient, ReturnsErrorBodiesInsteadOfEvents) {
  auto server = start();
  auto client = client_for(*server);
  HttpRequest request;
  request.target = "/missing";
  int events = 0;
  auto response = client.stream_events(request, [&](const HttpResponse&, const SseEvent&) {
    ++events;
    return true;
  });
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
  EXPECT_NE(response->body.find("not_found"), std::string::npos);
  EXPECT_EQ(events, 0);
}

TEST(HttpClient, FailsToConnectToAClosedPort) {
  uint16_t port;
  {
    auto server = start();
    port = server->port();
  }
  auto response =
      http_get("http://127.0.0.1:" + std::to_string(port) + "/", {.connect_timeout = 2s});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace cloister::net
