// The tap's WebSocket decoding against RFC 6455's own examples (§5.7), and
// the tap itself carrying and recording a real exchange.
#include "tests/system/tcp_tap.h"

#include <gtest/gtest.h>

#include "net/http_client.h"
#include "net/http_server.h"

namespace cloister::system_testing {
namespace {

const std::string kUpgrade = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";

TEST(WebSocketPayloads, UnmasksRfc6455Examples) {
  // "A single-frame unmasked text message" and "A single-frame masked text message".
  const std::string unmasked = {'\x81', '\x05', 'H', 'e', 'l', 'l', 'o'};
  const std::string masked = {'\x81', '\x85', '\x37', '\xfa', '\x21', '\x3d',
                              '\x7f', '\x9f', '\x4d', '\x51', '\x58'};
  EXPECT_EQ(websocket_payloads(kUpgrade + unmasked), "Hello");
  EXPECT_EQ(websocket_payloads(kUpgrade + masked), "Hello");
  // "A fragmented unmasked text message": "Hel" then "lo".
  const std::string fragmented = {'\x01', '\x03', 'H', 'e', 'l', '\x80', '\x02', 'l', 'o'};
  EXPECT_EQ(websocket_payloads(kUpgrade + fragmented), "Hello");
  // "256 bytes binary message in a single unmasked frame" (16-bit length).
  std::string binary = {'\x82', '\x7E', '\x01', '\x00'};
  binary += std::string(256, 'x');
  EXPECT_EQ(websocket_payloads(kUpgrade + binary), std::string(256, 'x'));
  // A frame cut short is left out; bytes without an upgrade are returned as they are.
  EXPECT_EQ(websocket_payloads(kUpgrade + masked.substr(0, 8)), "");
  EXPECT_EQ(websocket_payloads("no upgrade here"), "no upgrade here");
}

TEST(TcpTap, CarriesAndRecordsBothDirections) {
  net::Router router;
  ASSERT_TRUE(
      router
          .add(net::Method::kGet, "/hello",
               [](net::HttpRequest&) { return net::HttpResponse::text(200, "the answer is 42"); })
          .ok());
  auto server = net::HttpServer::start(std::move(router), net::ServerOptions{});
  ASSERT_TRUE(server.ok());
  auto tap = TcpTap::start((*server)->port());
  ASSERT_TRUE(tap.ok());
  auto response = net::http_get("http://127.0.0.1:" + std::to_string((*tap)->port()) + "/hello");
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->body, "the answer is 42");
  const std::vector<std::string> recordings = (*tap)->recordings();
  ASSERT_EQ(recordings.size(), 2u);
  EXPECT_NE(recordings[0].find("GET /hello"), std::string::npos);
  EXPECT_NE(recordings[1].find("the answer is 42"), std::string::npos);
}

}  // namespace
}  // namespace cloister::system_testing
