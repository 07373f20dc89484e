#include "host/testing/host_harness.h"

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "host/accounts.h"
#include "host/store/open_store.h"

namespace cloister::host::testing {

HostConfig test_config(const std::filesystem::path& dir) {
  HostConfig config;
  config.port = 0;
  config.auth.origin = "http://cloister.test";
  config.database.sqlite_path = dir / "host.db";
  config.io_threads = 2;
  config.handler_threads = 4;
  config.limits.requests_per_second = 100000;
  config.limits.request_burst = 100000;
  config.limits.sign_ins_per_minute = 100000;
  config.limits.slot_lookups_per_minute = 100000;
  config.limits.slot_lookups_per_id_per_hour = 100000;
  config.limits.session_opens_per_minute = 100000;
  config.relay.health_interval = std::chrono::milliseconds(200);
  config.relay.health_timeout = std::chrono::milliseconds(500);
  config.relay.failures_before_down = 1;
  config.relay.connect_timeout = std::chrono::milliseconds(2000);
  return config;
}

Result<std::unique_ptr<HostService>> start_host(const HostConfig& config) {
  CLOISTER_ASSIGN_OR_RETURN(auto store, open_store(config.database));
  CLOISTER_TRY(store->migrate());
  return HostService::start(config, std::move(store));
}

std::string origin_of(const HostService& host) {
  return "http://127.0.0.1:" + std::to_string(host.port());
}

Result<std::unique_ptr<EchoReplica>> EchoReplica::start(uint16_t port) {
  auto replica = std::unique_ptr<EchoReplica>(new EchoReplica());
  replica->sessions_ = std::make_shared<std::atomic<size_t>>(0);
  net::Router router;
  CLOISTER_TRY(router.add(net::Method::kGet, "/healthz",
                          [](net::HttpRequest&) { return net::HttpResponse::text(200, "ok\n"); }));
  CLOISTER_TRY(
      router.add_websocket("/v1/session", [sessions = replica->sessions_](net::HttpRequest&) {
        ++*sessions;
        return net::WebSocketUpgrade::accept(net::testing::echo_messages);
      }));
  net::ServerOptions options;
  options.port = port;
  CLOISTER_ASSIGN_OR_RETURN(replica->server_, net::HttpServer::start(std::move(router), options));
  return replica;
}

ReplicaConfig EchoReplica::config(const std::string& name) const {
  std::string base = "127.0.0.1:" + std::to_string(server_->port());
  return {name, "ws://" + base + "/v1/session", "http://" + base + "/healthz"};
}

std::string TestUser::public_key() const { return base64url_encode(key_.public_key); }

Status TestUser::sign_in(net::HttpClient& client, std::string_view origin) {
  nlohmann::json ask = {{"public_key", public_key()}};
  CLOISTER_ASSIGN_OR_RETURN(auto issued, client.post("/v1/auth/challenge", ask.dump()));
  if (issued.status != 200) {
    return Error(ErrorCode::kRejected, "challenge refused: " + issued.body);
  }
  auto challenge_json = nlohmann::json::parse(issued.body);
  CLOISTER_ASSIGN_OR_RETURN(Bytes challenge,
                            base64url_decode(challenge_json["challenge"].get<std::string>()));
  Bytes message = AccountService::sign_in_message(origin, challenge, key_.public_key);
  auto signature = crypto::ed25519_sign(key_.seed, message);
  nlohmann::json answer = {{"public_key", public_key()},
                           {"challenge", base64url_encode(challenge)},
                           {"signature", base64url_encode(signature)}};
  CLOISTER_ASSIGN_OR_RETURN(auto granted, client.post("/v1/auth/token", answer.dump()));
  if (granted.status != 200) return Error(ErrorCode::kRejected, "sign-in refused: " + granted.body);
  token_ = nlohmann::json::parse(granted.body)["token"].get<std::string>();
  return ok_status();
}

net::HttpRequest TestUser::request(net::Method method, std::string target, std::string body) const {
  net::HttpRequest request;
  request.method = method;
  request.target = std::move(target);
  request.body = std::move(body);
  if (!token_.empty()) request.headers.set("Authorization", "Bearer " + token_);
  return request;
}

}  // namespace cloister::host::testing
