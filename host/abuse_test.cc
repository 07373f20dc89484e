// Abuse: every malformed, oversized, slow, forged or trespassing request gets
// the right error, and the service keeps serving everyone else.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "crypto/random.h"
#include "host/accounts.h"
#include "host/testing/host_harness.h"

namespace cloister::host {
namespace {

using namespace std::chrono_literals;
using net::Method;
using net::testing::RawSocket;
using testing::TestUser;

class AbuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    enclave_ = std::move(*testing::EchoReplica::start());
    HostConfig config = testing::test_config(dir_.path());
    config.relay.replicas = {enclave_->config("a")};
    config.limits.read_timeout = 400ms;
    config.limits.max_body_bytes = 4096;
    config.limits.max_blob_bytes = 64 * 1024;
    config.limits.max_message_bytes = 16 * 1024;
    auto host = testing::start_host(config);
    ASSERT_TRUE(host.ok()) << host.error().message();
    host_ = std::move(*host);
    origin_ = config.auth.origin;
    client_ = std::make_unique<net::HttpClient>(
        std::move(*net::HttpClient::create(testing::origin_of(*host_))));
    ASSERT_TRUE(alice_.sign_in(*client_, origin_).ok());
    ASSERT_TRUE(mallory_.sign_in(*client_, origin_).ok());
  }

  // After each abuse, an honest request must still be served.
  void TearDown() override {
    if (!host_) return;
    auto fresh = net::HttpClient::create(testing::origin_of(*host_));
    auto response = fresh->send(alice_.request(Method::kGet, "/v1/account"));
    ASSERT_TRUE(response.ok()) << response.error().message();
    EXPECT_EQ(response->status, 200);
  }

  int status_of(const net::HttpRequest& request) {
    auto response = client_->send(request);
    EXPECT_TRUE(response.ok()) << response.error().message();
    return response.ok() ? response->status : 0;
  }

  std::string error_type(const net::HttpRequest& request) {
    auto response = client_->send(request);
    if (!response.ok()) return "no response";
    auto body = nlohmann::json::parse(response->body, nullptr, false);
    if (body.is_discarded()) return "not json";
    return body["error"]["type"].get<std::string>();
  }

  net::testing::TempDir dir_;
  std::unique_ptr<testing::EchoReplica> enclave_;
  std::unique_ptr<HostService> host_;
  std::unique_ptr<net::HttpClient> client_;
  std::string origin_;
  TestUser alice_;
  TestUser mallory_;
};

TEST_F(AbuseTest, OversizedBodiesGet413) {
  auto json = alice_.request(Method::kPost, "/v1/auth/challenge", std::string(5000, ' '));
  EXPECT_EQ(status_of(json), 413);
  auto blob = alice_.request(Method::kPut, "/v1/blobs/big", std::string(65 * 1024, 'x'));
  blob.headers.set("If-None-Match", "*");
  EXPECT_EQ(status_of(blob), 413);
}

TEST_F(AbuseTest, OversizedHeadersGet431) {
  RawSocket raw(host_->port());
  raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: " + std::string(32 * 1024, 'c') +
           "\r\n\r\n");
  EXPECT_NE(raw.read_until("\r\n\r\n", 5s).find(" 431 "), std::string::npos);
}

TEST_F(AbuseTest, BadJsonGets400) {
  for (const char* body : {"{", "[]", "null", "{\"public_key\": 5}", "{\"public_key\": \"***\"}",
                           "{\"public_key\": \"AAAA\"}"}) {
    auto request = alice_.request(Method::kPost, "/v1/auth/challenge", body);
    EXPECT_EQ(status_of(request), 400) << body;
  }
  auto slot = alice_.request(Method::kPut, "/v1/slots/" + base64url_encode(Bytes(32, 1)),
                             "{\"kind\": \"passphrase\", \"wrapped\": 7}");
  EXPECT_EQ(status_of(slot), 400);
}

TEST_F(AbuseTest, WrongTokensGet401) {
  net::HttpRequest none;
  none.target = "/v1/blobs";
  EXPECT_EQ(status_of(none), 401);
  for (const std::string& token :
       {std::string("garbage"), base64url_encode(crypto::random_bytes(32)),
        base64url_encode(crypto::random_bytes(31)), alice_.token() + "A"}) {
    net::HttpRequest forged;
    forged.target = "/v1/blobs";
    forged.headers.set("Authorization", "Bearer " + token);
    EXPECT_EQ(status_of(forged), 401) << token;
    EXPECT_EQ(error_type(forged), "rejected");
  }
}

TEST_F(AbuseTest, ReplayedChallengesGet401) {
  TestUser eve;
  nlohmann::json ask = {{"public_key", eve.public_key()}};
  auto issued = nlohmann::json::parse(client_->post("/v1/auth/challenge", ask.dump())->body);
  Bytes challenge = *base64url_decode(issued["challenge"].get<std::string>());
  auto signature = crypto::ed25519_sign(
      eve.key().seed, AccountService::sign_in_message(origin_, challenge, eve.key().public_key));
  nlohmann::json answer = {{"public_key", eve.public_key()},
                           {"challenge", issued["challenge"]},
                           {"signature", base64url_encode(signature)}};
  EXPECT_EQ(client_->post("/v1/auth/token", answer.dump())->status, 200);
  auto replay = client_->post("/v1/auth/token", answer.dump());
  EXPECT_EQ(replay->status, 401);
  EXPECT_NE(replay->body.find("challenge"), std::string::npos);
  // A challenge signed for another host's origin is refused too.
  auto fresh = nlohmann::json::parse(client_->post("/v1/auth/challenge", ask.dump())->body);
  Bytes other = *base64url_decode(fresh["challenge"].get<std::string>());
  auto misdirected = crypto::ed25519_sign(
      eve.key().seed,
      AccountService::sign_in_message("https://other.example", other, eve.key().public_key));
  nlohmann::json wrong = {{"public_key", eve.public_key()},
                          {"challenge", fresh["challenge"]},
                          {"signature", base64url_encode(misdirected)}};
  EXPECT_EQ(client_->post("/v1/auth/token", wrong.dump())->status, 401);
}

TEST_F(AbuseTest, AnotherAccountsBlobIdsAreInvisible) {
  auto create = alice_.request(Method::kPut, "/v1/blobs/alice-diary", "alice's ciphertext");
  create.headers.set("If-None-Match", "*");
  ASSERT_EQ(status_of(create), 201);

  EXPECT_EQ(status_of(mallory_.request(Method::kGet, "/v1/blobs/alice-diary")), 404);
  EXPECT_EQ(status_of(mallory_.request(Method::kDelete, "/v1/blobs/alice-diary")), 404);
  auto overwrite = mallory_.request(Method::kPut, "/v1/blobs/alice-diary", "mallory's junk");
  overwrite.headers.set("If-Match", "\"1\"");
  EXPECT_EQ(status_of(overwrite), 409);
  auto feed = client_->send(mallory_.request(Method::kGet, "/v1/blobs?since=0"));
  EXPECT_TRUE(nlohmann::json::parse(feed->body)["changes"].empty());

  auto mine = client_->send(alice_.request(Method::kGet, "/v1/blobs/alice-diary"));
  EXPECT_EQ(mine->body, "alice's ciphertext");
  EXPECT_EQ(mine->headers.get("ETag"), "\"1\"");
}

TEST_F(AbuseTest, SlowlorisConnectionsAreCut) {
  RawSocket slow(host_->port());
  ASSERT_TRUE(slow.connected());
  slow.send("POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\n");
  bool cut = false;
  for (int i = 0; i < 40 && !cut; ++i) {
    if (!slow.send("X-Drip: " + std::to_string(i) + "\r\n")) cut = true;
    if (slow.closed_by_peer_within(100ms)) cut = true;
    // Meanwhile everyone else is served.
    if (i % 10 == 0) {
      EXPECT_EQ(client_->get("/healthz")->status, 200);
    }
  }
  EXPECT_TRUE(cut);

  // A body that trickles in is cut the same way.
  RawSocket dribble(host_->port());
  dribble.send("POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{");
  bool body_cut = false;
  for (int i = 0; i < 40 && !body_cut; ++i) {
    if (!dribble.send(" ")) body_cut = true;
    if (dribble.closed_by_peer_within(100ms)) body_cut = true;
  }
  EXPECT_TRUE(body_cut);
}

TEST_F(AbuseTest, GarbageRequestsGet400) {
  for (const char* junk :
       {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", "GET /v1/blobs HTTP/9.9\r\n\r\n",
        "GET  HTTP/1.1\r\n\r\n", "GET /v1/%zz HTTP/1.1\r\nHost: x\r\n\r\n"}) {
    RawSocket raw(host_->port());
    raw.send(junk);
    std::string reply = raw.read_until("\r\n\r\n", 5s);
    EXPECT_TRUE(reply.empty() || reply.find(" 400 ") != std::string::npos) << reply;
  }
}

TEST_F(AbuseTest, OversizedFramesCloseTheSessionWith1009) {
  net::IoPool io;
  net::WebSocketClientOptions options;
  options.headers.set("Authorization", "Bearer " + alice_.token());
  std::string url = "ws://127.0.0.1:" + std::to_string(host_->port()) + "/v1/session";
  auto session = net::connect_websocket(io, url, options);
  ASSERT_TRUE(session.ok()) << session.error().message();
  // Like a real client, keep a read pending while writing: the host's 1009
  // close frame may arrive before the oversized write has finished (which
  // then fails, as the host stops reading).
  EXPECT_FALSE((*session)->read(1ms).ok());
  (void)(*session)->write(net::WebSocketMessage::binary_message(Bytes(20 * 1024)));
  EXPECT_FALSE((*session)->read(5s).ok());
  ASSERT_TRUE((*session)->peer_close_status().has_value());
  EXPECT_EQ((*session)->peer_close_status()->code, net::CloseCode::kMessageTooBig);
  // A well-behaved session right after works.
  auto next = net::connect_websocket(io, url, options);
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE((*next)->write(net::WebSocketMessage::binary_message(Bytes(1024, 7))).ok());
  auto echoed = (*next)->read(5s);
  ASSERT_TRUE(echoed.ok());
  EXPECT_EQ(echoed->data, Bytes(1024, 7));
}

TEST_F(AbuseTest, BlobIdsAreValidated) {
  for (const std::string& id :
       {std::string(129, 'a'), std::string("semi;colon"), std::string("sp%20ace")}) {
    auto request = alice_.request(Method::kPut, "/v1/blobs/" + id, "x");
    request.headers.set("If-None-Match", "*");
    EXPECT_EQ(status_of(request), 400) << id;
  }
  auto bad_tag = alice_.request(Method::kPut, "/v1/blobs/ok", "x");
  bad_tag.headers.set("If-Match", "\"one\"");
  EXPECT_EQ(status_of(bad_tag), 400);
}

}  // namespace
}  // namespace cloister::host
