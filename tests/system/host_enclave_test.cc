// The real cloister-host relaying to real cloister-enclave processes (the
// SIMULATED TEE provider, stories260K): a client that signs in to the host and
// verifies the enclave as the real client does holds a whole chat through the
// relay; nothing the host received or sent (tapped on both sides), wrote
// (database, WAL, log) or published (metrics) holds any of it. With two
// replicas, killing one sends new sessions to the other.
#include <csignal>

#include <gtest/gtest.h>

#include "net/http_client.h"
#include "testing/test_data.h"
#include "tests/system/local_stack.h"
#include "tests/system/tcp_tap.h"

namespace cloister::system_testing {
namespace {

using namespace std::chrono_literals;
using enclave::testing::chat_body;
using nlohmann::json;

class HostEnclaveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = ::cloister::testing::locate_test_data("models/stories260K.gguf");
    if (!model.ok()) {
      if (::cloister::testing::running_in_ci()) FAIL() << model.error().message();
      GTEST_SKIP() << model.error().message();
    }
    stack_ = std::make_unique<LocalStack>(*model, CLOISTER_ENCLAVE_BINARY, CLOISTER_HOST_BINARY);
  }

  EnclaveReplica start_enclave(const std::string& name) {
    auto replica = stack_->start_enclave(name);
    EXPECT_TRUE(replica.ok()) << replica.error().message();
    return replica.ok() ? std::move(*replica) : EnclaveReplica{};
  }

  std::unique_ptr<LocalStack> stack_;
};

TEST_F(HostEnclaveTest, RelaysAVerifiedChatAndKeepsNoPlaintextOfIt) {
  EnclaveReplica enclave = start_enclave("enclave");
  ASSERT_NE(enclave.port, 0);
  // Taps on both sides of the host: what clients send it and get back, and
  // what it sends the enclave and gets back.
  auto enclave_tap = TcpTap::start(enclave.port);
  ASSERT_TRUE(enclave_tap.ok());
  ASSERT_TRUE(
      stack_->start_host(json::array({enclave.replica_config("only", (*enclave_tap)->port())}))
          .ok());
  ASSERT_TRUE(stack_->wait_for_replica("only", true).ok());
  auto client_tap = TcpTap::start(stack_->host().port());
  ASSERT_TRUE(client_tap.ok());

  const std::string prompt = "Marmoset trombone galaxy 441709183 murmured";
  std::string completions;
  {
    auto relayed = stack_->open_session((*client_tap)->port());
    ASSERT_TRUE(relayed.ok()) << relayed.error().message();
    auto& client = *relayed->client;
    EXPECT_TRUE(client.enclave().simulated);
    const json messages = json::array({{{"role", "user"}, {"content", prompt}}});
    for (bool stream : {true, false}) {
      const std::string request = chat_body(
          messages, {{"temperature", 0.8}, {"seed", 11}, {"max_tokens", 80}, {"stream", stream}});
      auto response = client.call(request);
      ASSERT_TRUE(response.ok()) << response.error().message();
      ASSERT_FALSE(response->error_code) << response->error_reason;
      ASSERT_GT(response->content.size(), 40u);
      EXPECT_TRUE(client.check_receipt(request, *response).ok());
      completions += response->content + "\n";
    }
    client.session().close();
  }
  // The host relayed the session (its metrics say so, and hold none of it);
  // its store and log hold the account and its sign-in, none of the chat.
  auto metrics = net::http_get(stack_->host_url() + "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("cloister_host_sessions_opened_total 1"), std::string::npos)
      << metrics->body;
  ASSERT_EQ(stack_->host().stop(), 0);
  // The number is long enough that no figure of /metrics holds it by chance (it once held
  // "4417").
  std::vector<std::string> needles = {prompt, "Marmoset", "trombone", "441709183"};
  for (size_t at = 0; at + 20 <= completions.size(); at += 20) {
    needles.push_back(completions.substr(at, 20));
  }
  auto files = files_under(stack_->work() / "host");
  files.emplace_back("/metrics", metrics->body);
  size_t payload_bytes = 0;
  for (const auto* tap : {&*client_tap, &*enclave_tap}) {
    for (const std::string& recording : (*tap)->recordings()) {
      std::string payloads = websocket_payloads(recording);
      payload_bytes += payloads.size();
      files.emplace_back("(tapped bytes)", recording);
      files.emplace_back("(tapped WebSocket payloads)", std::move(payloads));
    }
  }
  // The taps saw the session on both sides: the answers, sealed, at least twice over.
  EXPECT_GT(payload_bytes, 2 * completions.size());
  size_t scanned = 0;
  for (const auto& [path, contents] : files) {
    if (path.filename() == "host.json") continue;  // the test's own input
    scanned += contents.size();
    for (const std::string& needle : needles) {
      EXPECT_EQ(contents.find(needle), std::string::npos) << path << " holds \"" << needle << "\"";
    }
  }
  // The scan saw the database, its WAL and the log.
  EXPECT_GT(scanned, 4096u);
}

TEST_F(HostEnclaveTest, KillingAReplicaSendsNewSessionsToTheOther) {
  EnclaveReplica first = start_enclave("first");
  EnclaveReplica second = start_enclave("second");
  ASSERT_NE(first.port, 0);
  ASSERT_NE(second.port, 0);
  ASSERT_TRUE(stack_
                  ->start_host(
                      json::array({first.replica_config("first"), second.replica_config("second")}))
                  .ok());
  ASSERT_TRUE(stack_->wait_for_replica("first", true).ok());
  ASSERT_TRUE(stack_->wait_for_replica("second", true).ok());

  const std::string request = chat_body(
      json::array({{{"role", "user"}, {"content", "Once upon a time"}}}), {{"max_tokens", 16}});
  auto chat_once = [&]() -> Status {
    CLOISTER_ASSIGN_OR_RETURN(RelayedSession relayed, stack_->open_session());
    CLOISTER_ASSIGN_OR_RETURN(auto response, relayed.client->call(request));
    if (response.error_code) return Error(ErrorCode::kInternal, response.error_reason);
    CLOISTER_TRY(relayed.client->check_receipt(request, response));
    relayed.client->session().close();
    return ok_status();
  };
  ASSERT_TRUE(chat_once().ok());

  ASSERT_TRUE(first.process->stop(SIGKILL, 10s).ok());
  ASSERT_TRUE(stack_->wait_for_replica("first", false).ok());
  for (int session = 0; session < 4; ++session) {
    const Status chatted = chat_once();
    EXPECT_TRUE(chatted.ok()) << "session " << session << ": " << chatted.error().message();
  }
}

}  // namespace
}  // namespace cloister::system_testing
