// A malicious host: a WebSocket relay between client and enclave that flips
// a bit in, truncates, drops, replays, reorders or delays one message, or
// injects one of its own. Every session it changed must fail closed (no
// altered answer is accepted, and the session ends with an error), a delay
// can only make an answer late or end the session at the client's deadline,
// and the enclave must go on serving everyone else.
#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "base/files.h"
#include "enclave/enclave.h"
#include "enclave/testing/release_fixture.h"
#include "enclave/testing/test_client.h"
#include "net/http_server.h"
#include "session/websocket_transport.h"
#include "testing/test_data.h"

namespace cloister::enclave {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

enum class Direction { kToEnclave, kToClient };
enum class Action { kFlip, kTruncate, kDrop, kReplay, kReorder, kInject, kDelay };

struct Tamper {
  Direction direction;
  size_t index;  // which message in that direction (0 is the first handshake message)
  Action action;
  std::string name;
};

// Relays whole messages, doing `tamper` to one of them (kDelay holds it for `delay`).
class Relay {
 public:
  Relay(std::string enclave_url, Tamper tamper, std::chrono::milliseconds delay = {})
      : enclave_url_(std::move(enclave_url)), tamper_(std::move(tamper)), delay_(delay) {
    net::Router router;
    EXPECT_TRUE(router
                    .add_websocket("/v1/session",
                                   [this](net::HttpRequest&) {
                                     return net::WebSocketUpgrade::accept(
                                         [this](std::shared_ptr<net::WebSocket> client) {
                                           std::lock_guard lock(mutex_);
                                           threads_.emplace_back([this, client] { relay(client); });
                                         });
                                   })
                    .ok());
    net::ServerOptions options;
    options.websocket = session::session_websocket_options();
    auto server = net::HttpServer::start(std::move(router), options);
    EXPECT_TRUE(server.ok());
    server_ = std::move(server).value();
  }

  ~Relay() {
    stopping_ = true;
    {
      std::lock_guard lock(mutex_);
      for (std::thread& thread : threads_) thread.join();
    }
    server_->stop();
  }

  std::string url() const {
    return "ws://127.0.0.1:" + std::to_string(server_->port()) + "/v1/session";
  }

 private:
  void relay(const std::shared_ptr<net::WebSocket>& client) {
    auto enclave = net::connect_websocket(pool_, enclave_url_);
    if (!enclave.ok()) {
      client->close();
      return;
    }
    std::thread to_enclave([&] { pump(*client, **enclave, Direction::kToEnclave); });
    pump(**enclave, *client, Direction::kToClient);
    to_enclave.join();
  }

  void pump(net::WebSocket& from, net::WebSocket& to, Direction direction) {
    size_t index = 0;
    std::optional<net::WebSocketMessage> held;  // reorder: the message that goes after the next
    while (!stopping_) {
      auto message = from.read(100ms);
      if (!message.ok()) {
        if (message.error().code() == ErrorCode::kDeadlineExceeded && from.is_open()) continue;
        break;
      }
      const bool target = direction == tamper_.direction && index == tamper_.index;
      ++index;
      if (held) {
        (void)to.write(std::move(*message));
        (void)to.write(std::move(*held));
        held.reset();
        continue;
      }
      if (!target) {
        (void)to.write(std::move(*message));
        continue;
      }
      switch (tamper_.action) {
        case Action::kFlip:
          message->data[message->data.size() / 2] ^= 0x01;
          (void)to.write(std::move(*message));
          break;
        case Action::kTruncate:
          message->data.resize(message->data.size() / 2);
          (void)to.write(std::move(*message));
          break;
        case Action::kDrop: break;
        case Action::kReplay:
          (void)to.write(*message);
          (void)to.write(std::move(*message));
          break;
        case Action::kReorder: held = std::move(*message); break;
        case Action::kInject: {
          // A message of the same size that the host made up, before the real one.
          net::WebSocketMessage forged = *message;
          for (size_t i = 0; i < forged.data.size(); ++i)
            forged.data[i] = static_cast<uint8_t>(i * 131 + 7);
          (void)to.write(std::move(forged));
          (void)to.write(std::move(*message));
          break;
        }
        case Action::kDelay:
          std::this_thread::sleep_for(delay_);
          (void)to.write(std::move(*message));
          break;
      }
    }
    to.close();
    from.close();
  }

  std::string enclave_url_;
  Tamper tamper_;
  std::chrono::milliseconds delay_;
  net::IoPool pool_{1};
  std::unique_ptr<net::HttpServer> server_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

class MaliciousHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = ::cloister::testing::locate_test_data("models/stories260K.gguf");
    auto reference = ::cloister::testing::locate_test_data("models/stories260K.greedy200.txt");
    if (!model.ok() || !reference.ok()) {
      if (::cloister::testing::running_in_ci()) FAIL() << "stories260K test data is missing";
      GTEST_SKIP() << "stories260K test data is missing";
    }
    reference_ = *read_text_file(*reference);
    testing::ReleaseOptions options;
    options.models = {testing::model_entry("stories260K", *model)};
    options.settings["chat_template"] = std::string("plain");
    release_ = std::make_unique<testing::ReleaseFixture>(options);
    auto enclave = Enclave::start(release_->config(*model));
    ASSERT_TRUE(enclave.ok()) << enclave.error().message();
    enclave_ = std::move(enclave).value();
  }

  std::string enclave_url() const {
    return "ws://127.0.0.1:" + std::to_string(enclave_->port()) + std::string(kSessionPath);
  }

  // A session through `url` with two chats in turn: returns the content if
  // both whole answers arrived within `timeout` each and their receipts
  // verified, or the error that ended the session. The second chat shows that
  // the session lived on: the enclave may notice a tampered message only
  // after the first answer went out (a replayed request comes after the
  // request itself), but it has closed the session by then.
  Result<std::string> chat_through(const std::string& url,
                                   std::chrono::seconds timeout = std::chrono::seconds(60)) {
    CLOISTER_ASSIGN_OR_RETURN(auto client,
                              testing::TestClient::connect(pool_, url, release_->policy()));
    const std::string request =
        testing::chat_body(json::array({{{"role", "user"}, {"content", ""}}}),
                           {{"temperature", 0}, {"max_tokens", 60}, {"stream", true}});
    std::string content;
    for (int chat = 0; chat < 2; ++chat) {
      CLOISTER_ASSIGN_OR_RETURN(session::StreamId stream, client->send(request));
      CLOISTER_ASSIGN_OR_RETURN(testing::ChatResponse response,
                                client->read_response(stream, timeout));
      if (response.error_code) {
        return Error(ErrorCode::kUnavailable,
                     "stream error " + std::to_string(*response.error_code));
      }
      CLOISTER_TRY(client->check_receipt(request, response));
      if (chat == 1 && response.content != content) {
        return Error(ErrorCode::kInternal, "the same request got another answer");
      }
      content = std::move(response.content);
    }
    return content;
  }

  net::IoPool pool_{1};
  std::string reference_;
  std::unique_ptr<testing::ReleaseFixture> release_;
  std::unique_ptr<Enclave> enclave_;
};

TEST_F(MaliciousHostTest, EveryTamperedSessionFailsClosedAndTheEnclaveServesOn) {
  // Messages to the client: 0 is handshake message 2, 1 the response-start,
  // 2 the first delta (or the end), ...; to the enclave: 0 and 1 are
  // handshake messages 1 and 3, and 2 is the request. Message 1 to the client
  // always has a successor, so dropping or reordering it cannot stall.
  const std::vector<Tamper> tampers = {
      {Direction::kToClient, 0, Action::kFlip, "flipped evidence (message 2)"},
      {Direction::kToEnclave, 0, Action::kFlip, "flipped ClientHello (message 1)"},
      {Direction::kToEnclave, 1, Action::kFlip, "flipped message 3"},
      {Direction::kToEnclave, 2, Action::kFlip, "flipped request"},
      {Direction::kToEnclave, 2, Action::kReplay, "replayed request"},
      {Direction::kToClient, 2, Action::kFlip, "flipped delta"},
      {Direction::kToClient, 0, Action::kTruncate, "truncated evidence (message 2)"},
      {Direction::kToEnclave, 2, Action::kTruncate, "truncated request"},
      {Direction::kToClient, 2, Action::kTruncate, "truncated delta"},
      {Direction::kToEnclave, 2, Action::kInject, "injected request"},
      {Direction::kToClient, 1, Action::kInject, "injected response message"},
      {Direction::kToClient, 1, Action::kDrop, "dropped response-start"},
      {Direction::kToClient, 1, Action::kReplay, "replayed response-start"},
      {Direction::kToClient, 1, Action::kReorder, "reordered response messages"},
  };
  for (const Tamper& tamper : tampers) {
    SCOPED_TRACE(tamper.name);
    Relay relay(enclave_url(), tamper);
    auto tampered = chat_through(relay.url());
    EXPECT_FALSE(tampered.ok()) << "accepted: " << *tampered;

    // An honest session at the same time still gets the right answer.
    auto honest = chat_through(enclave_url());
    ASSERT_TRUE(honest.ok()) << honest.error().message();
    EXPECT_TRUE(reference_.starts_with(*honest));
    EXPECT_FALSE(honest->empty());
  }
  // A relay that changes nothing is harmless: the same path works untouched.
  Relay honest_relay(enclave_url(), {Direction::kToClient, 1'000'000, Action::kFlip, "none"});
  auto relayed = chat_through(honest_relay.url());
  ASSERT_TRUE(relayed.ok()) << relayed.error().message();
  EXPECT_TRUE(reference_.starts_with(*relayed));
}

TEST_F(MaliciousHostTest, ADelayedMessageMakesTheAnswerLateOrEndsTheSessionAtTheDeadline) {
  // Holding back the response-start cannot change the answer: it arrives
  // late, whole, and its receipt verifies...
  Relay slow(enclave_url(), {Direction::kToClient, 1, Action::kDelay, "delayed"}, 300ms);
  auto late = chat_through(slow.url());
  ASSERT_TRUE(late.ok()) << late.error().message();
  EXPECT_TRUE(reference_.starts_with(*late));
  EXPECT_FALSE(late->empty());
  // ...and held past the client's deadline, it ends the session with a
  // deadline error and no answer.
  Relay stalled(enclave_url(), {Direction::kToClient, 1, Action::kDelay, "stalled"}, 3s);
  auto timed_out = chat_through(stalled.url(), 1s);
  ASSERT_FALSE(timed_out.ok()) << "accepted: " << *timed_out;
  EXPECT_EQ(timed_out.error().code(), ErrorCode::kDeadlineExceeded) << timed_out.error().message();
}

}  // namespace
}  // namespace cloister::enclave
