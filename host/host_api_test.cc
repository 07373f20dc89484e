// The host's HTTP API end to end: a real HostService on loopback over SQLite,
// driven by a real HTTP client and Ed25519 sign-in.
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "crypto/random.h"
#include "host/testing/host_harness.h"

namespace cloister::host {
namespace {

using net::Method;
using testing::TestUser;

class HostApiTest : public ::testing::Test {
 protected:
  void SetUp() override { start(testing::test_config(dir_.path())); }

  void start(HostConfig config) {
    host_.reset();
    config_ = std::move(config);
    auto host = testing::start_host(config_);
    ASSERT_TRUE(host.ok()) << host.error().message();
    host_ = std::move(*host);
    auto client = net::HttpClient::create(testing::origin_of(*host_));
    ASSERT_TRUE(client.ok());
    client_ = std::make_unique<net::HttpClient>(std::move(*client));
  }

  TestUser signed_in_user() {
    TestUser user;
    auto status = user.sign_in(*client_, config_.auth.origin);
    EXPECT_TRUE(status.ok()) << status.error().message();
    return user;
  }

  net::HttpResponse send(net::HttpRequest request) {
    auto response = client_->send(request);
    EXPECT_TRUE(response.ok()) << response.error().message();
    return response.ok() ? std::move(*response) : net::HttpResponse::empty(0);
  }

  net::HttpResponse put_blob(const TestUser& user, std::string id, std::string body,
                             std::string_view precondition, std::string value) {
    auto request = user.request(Method::kPut, "/v1/blobs/" + id, std::move(body));
    request.headers.set(precondition, std::move(value));
    return send(std::move(request));
  }

  net::testing::TempDir dir_;
  HostConfig config_;
  std::unique_ptr<HostService> host_;
  std::unique_ptr<net::HttpClient> client_;
};

TEST_F(HostApiTest, BlobsAreVersionedAndNeverSilentlyOverwritten) {
  TestUser user = signed_in_user();
  auto created = put_blob(user, "conv-1", "ciphertext v1", "If-None-Match", "*");
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers.get("ETag"), "\"1\"");

  auto fetched = send(user.request(Method::kGet, "/v1/blobs/conv-1"));
  EXPECT_EQ(fetched.status, 200);
  EXPECT_EQ(fetched.body, "ciphertext v1");
  EXPECT_EQ(fetched.headers.get("Content-Type"), "application/octet-stream");

  EXPECT_EQ(put_blob(user, "conv-1", "again", "If-None-Match", "*").status, 409);
  auto updated = put_blob(user, "conv-1", "ciphertext v2", "If-Match", "\"1\"");
  EXPECT_EQ(updated.status, 200);
  EXPECT_EQ(updated.headers.get("ETag"), "\"2\"");
  auto stale = put_blob(user, "conv-1", "lost update", "If-Match", "\"1\"");
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(nlohmann::json::parse(stale.body)["error"]["type"], "conflict");
  EXPECT_EQ(send(user.request(Method::kGet, "/v1/blobs/conv-1")).body, "ciphertext v2");

  auto unconditional = send(user.request(Method::kPut, "/v1/blobs/conv-1", "blind write"));
  EXPECT_EQ(unconditional.status, 428);

  auto cached = user.request(Method::kGet, "/v1/blobs/conv-1");
  cached.headers.set("If-None-Match", "\"2\"");
  EXPECT_EQ(send(cached).status, 304);

  auto stale_delete = user.request(Method::kDelete, "/v1/blobs/conv-1");
  stale_delete.headers.set("If-Match", "\"1\"");
  EXPECT_EQ(send(stale_delete).status, 409);
  auto deleted = send(user.request(Method::kDelete, "/v1/blobs/conv-1"));
  EXPECT_EQ(deleted.status, 200);
  EXPECT_TRUE(nlohmann::json::parse(deleted.body)["deleted"].get<bool>());
  EXPECT_EQ(send(user.request(Method::kGet, "/v1/blobs/conv-1")).status, 404);
}

TEST_F(HostApiTest, SyncFeedReturnsEveryChangeOnceInOrder) {
  TestUser user = signed_in_user();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(put_blob(user, "b" + std::to_string(i), "x", "If-None-Match", "*").status, 201);
  }
  ASSERT_EQ(put_blob(user, "b0", "y", "If-Match", "\"1\"").status, 200);
  ASSERT_EQ(send(user.request(Method::kDelete, "/v1/blobs/b3")).status, 200);

  std::vector<std::string> seen;
  uint64_t cursor = 0;
  for (int page = 0; page < 10; ++page) {
    auto response =
        send(user.request(Method::kGet, "/v1/blobs?since=" + std::to_string(cursor) + "&limit=3"));
    ASSERT_EQ(response.status, 200) << response.body;
    auto body = nlohmann::json::parse(response.body);
    for (const auto& change : body["changes"]) {
      seen.push_back(change["id"].get<std::string>() + (change["deleted"].get<bool>() ? "-" : "") +
                     "@" + std::to_string(change["version"].get<uint64_t>()));
    }
    cursor = body["cursor"].get<uint64_t>();
    if (!body["more"].get<bool>()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"b1@1", "b2@1", "b4@1", "b0@2", "b3-@2"}));
  EXPECT_EQ(send(user.request(Method::kGet, "/v1/blobs?since=x")).status, 400);
  EXPECT_EQ(send(user.request(Method::kGet, "/v1/blobs?limit=0")).status, 400);
}

TEST_F(HostApiTest, EnforcesPerAccountQuotasAndBlobSize) {
  HostConfig config = testing::test_config(dir_.path());
  config.quotas.max_bytes_per_account = 100;
  config.quotas.max_blobs_per_account = 3;
  config.limits.max_blob_bytes = 64;
  start(config);
  TestUser user = signed_in_user();
  EXPECT_EQ(put_blob(user, "a", std::string(60, 'a'), "If-None-Match", "*").status, 201);
  EXPECT_EQ(put_blob(user, "big", std::string(65, 'b'), "If-None-Match", "*").status, 413);
  auto over = put_blob(user, "b", std::string(50, 'b'), "If-None-Match", "*");
  EXPECT_EQ(over.status, 507) << over.body;
  EXPECT_EQ(put_blob(user, "b", std::string(40, 'b'), "If-None-Match", "*").status, 201);
  auto summary = nlohmann::json::parse(send(user.request(Method::kGet, "/v1/account")).body);
  EXPECT_EQ(summary["used_bytes"], 100);
  EXPECT_EQ(summary["blob_count"], 2);
  EXPECT_EQ(summary["max_bytes"], 100);
}

TEST_F(HostApiTest, KeySlotsAreFetchedWithoutATokenAndManagedWithOne) {
  TestUser user = signed_in_user();
  std::string passphrase_id = base64url_encode(crypto::random_bytes(32));
  std::string passkey_id = base64url_encode(crypto::random_bytes(32));
  std::string wrapped = base64url_encode(crypto::random_bytes(72));
  nlohmann::json slot = {{"kind", "passphrase"}, {"wrapped", wrapped}};
  EXPECT_EQ(send(user.request(Method::kPut, "/v1/slots/" + passphrase_id, slot.dump())).status,
            201);
  EXPECT_EQ(send(user.request(Method::kPut, "/v1/slots/" + passphrase_id, slot.dump())).status,
            409);

  // A new device has no token: the lookup id alone finds the slot.
  auto fetched = client_->get("/v1/slots/" + passphrase_id);
  ASSERT_TRUE(fetched.ok());
  EXPECT_EQ(fetched->status, 200);
  auto body = nlohmann::json::parse(fetched->body);
  EXPECT_EQ(body["kind"], "passphrase");
  EXPECT_EQ(body["wrapped"], wrapped);
  EXPECT_EQ(body["account"], user.public_key());
  EXPECT_EQ(client_->get("/v1/slots/" + passkey_id)->status, 404);
  EXPECT_EQ(client_->get("/v1/slots/short")->status, 400);

  // Managing slots needs the token.
  net::HttpRequest anonymous;
  anonymous.method = Method::kPut;
  anonymous.target = "/v1/slots/" + passkey_id;
  anonymous.body = slot.dump();
  EXPECT_EQ(send(anonymous).status, 401);
  EXPECT_EQ(send(user.request(Method::kDelete, "/v1/slots/" + passphrase_id)).status, 409)
      << "the last slot must not be removable";
  nlohmann::json passkey = {{"kind", "passkey-prf"}, {"wrapped", wrapped}};
  EXPECT_EQ(send(user.request(Method::kPut, "/v1/slots/" + passkey_id, passkey.dump())).status,
            201);
  auto listed = nlohmann::json::parse(send(user.request(Method::kGet, "/v1/slots")).body);
  EXPECT_EQ(listed["slots"].size(), 2u);
  EXPECT_EQ(send(user.request(Method::kDelete, "/v1/slots/" + passphrase_id)).status, 204);
  EXPECT_EQ(client_->get("/v1/slots/" + passphrase_id)->status, 404);

  nlohmann::json bad_kind = {{"kind", "password"}, {"wrapped", wrapped}};
  EXPECT_EQ(
      send(user.request(Method::kPut, "/v1/slots/" + base64url_encode(crypto::random_bytes(32)),
                        bad_kind.dump()))
          .status,
      400);
}

TEST_F(HostApiTest, RateLimitsSlotLookupsPerLookupIdAndPerClient) {
  HostConfig config = testing::test_config(dir_.path());
  config.limits.slot_lookups_per_id_per_hour = 3;
  config.limits.slot_lookups_per_minute = 6;
  start(config);
  std::string target = "/v1/slots/" + base64url_encode(crypto::random_bytes(32));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client_->get(target)->status, 404);
  auto limited = client_->get(target);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->headers.get("Retry-After"), "1");
  // Other lookup ids are still answered until the per-client limit is hit.
  int answered = 0;
  for (int i = 0; i < 5; ++i) {
    if (client_->get("/v1/slots/" + base64url_encode(crypto::random_bytes(32)))->status == 404) {
      ++answered;
    }
  }
  EXPECT_EQ(answered, 2);  // 6 per client, 4 spent above
}

TEST_F(HostApiTest, SignOutEndsTheToken) {
  TestUser user = signed_in_user();
  EXPECT_EQ(send(user.request(Method::kGet, "/v1/account")).status, 200);
  EXPECT_EQ(send(user.request(Method::kPost, "/v1/auth/sign-out")).status, 204);
  EXPECT_EQ(send(user.request(Method::kGet, "/v1/account")).status, 401);
}

TEST_F(HostApiTest, ServesTheWebAppWithStrictSecurityHeaders) {
  auto web = dir_.path() / "web";
  std::filesystem::create_directories(web / "assets");
  std::ofstream(web / "index.html") << "<!doctype html><title>Cloister</title>";
  std::ofstream(web / "assets" / "app-1234.js") << "console.log(1)";
  std::ofstream(web / ".env") << "SECRET=1";
  std::ofstream(dir_.path() / "outside.txt") << "outside";
  HostConfig config = testing::test_config(dir_.path());
  config.static_dir = web;
  start(config);

  auto index = client_->get("/");
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->headers.get("Content-Type"), "text/html; charset=utf-8");
  auto policy = index->headers.get("Content-Security-Policy");
  ASSERT_TRUE(policy.has_value());
  EXPECT_NE(policy->find("default-src 'none'"), std::string::npos);
  EXPECT_NE(policy->find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(policy->find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(index->headers.get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(index->headers.get("X-Frame-Options"), "DENY");
  EXPECT_EQ(index->headers.get("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(index->headers.get("Cross-Origin-Opener-Policy"), "same-origin");

  auto asset = client_->get("/assets/app-1234.js");
  EXPECT_EQ(asset->status, 200);
  EXPECT_EQ(asset->headers.get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(asset->headers.get("Cache-Control")->find("immutable"), std::string::npos);
  EXPECT_EQ(client_->get("/chats/42")->body, index->body);  // client-side route
  EXPECT_EQ(client_->get("/missing.js")->status, 404);
  EXPECT_EQ(client_->get("/.env")->status, 404);
  EXPECT_EQ(client_->get("/../outside.txt")->status, 400);
  EXPECT_EQ(client_->get("/%2e%2e/outside.txt")->status, 400);
  EXPECT_EQ(client_->get("/assets%2F..%2F..%2Foutside.txt")->status, 400);
}

TEST_F(HostApiTest, MetricsCountWithoutRevealingContent) {
  TestUser user = signed_in_user();
  std::string secret_id = "conv-" + base64url_encode(crypto::random_bytes(12));
  std::string secret_body = "SECRET-CIPHERTEXT-" + base64url_encode(crypto::random_bytes(12));
  ASSERT_EQ(put_blob(user, secret_id, secret_body, "If-None-Match", "*").status, 201);
  // A request is counted just after its response is written.
  const std::string counted =
      "cloister_host_http_requests_total{route=\"/v1/blobs/{id}\",method=\"PUT\",status=\"201\"} 1";
  auto metrics = client_->get("/metrics");
  for (int i = 0; i < 100 && metrics.ok() && metrics->body.find(counted) == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    metrics = client_->get("/metrics");
  }
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find(counted), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("cloister_host_http_request_duration_seconds_bucket"),
            std::string::npos);
  for (const std::string& secret : {secret_id, secret_body, user.token(), user.public_key()}) {
    EXPECT_EQ(metrics->body.find(secret), std::string::npos) << secret;
  }
}

TEST_F(HostApiTest, MetricsCanRequireAToken) {
  HostConfig config = testing::test_config(dir_.path());
  config.metrics_token = "scraper";
  start(config);
  EXPECT_EQ(client_->get("/metrics")->status, 401);
  net::HttpRequest request;
  request.target = "/metrics";
  request.headers.set("Authorization", "Bearer scraper");
  EXPECT_EQ(send(request).status, 200);
}

TEST_F(HostApiTest, ReportsHealth) {
  auto health = client_->get("/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace cloister::host
