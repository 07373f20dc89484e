#include "session/session.h"

#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "session/handshake_payloads.h"
#include "session/noise_config.h"
#include "session/test_support.h"

namespace cloister::session {
namespace {

using namespace std::chrono_literals;
using testing::client_config;
using testing::Enclave;
using testing::TamperingTransport;

TimePoint soon() { return system_clock().now() + 20s; }

Bytes pattern_bytes(size_t size, uint8_t seed) {
  Bytes out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(seed + i * 31);
  return out;
}

// Runs an enclave on its own thread: accept, then `serve` until it returns.
class EnclaveThread {
 public:
  using Serve = std::function<void(Session&)>;

  EnclaveThread(MessageTransport& transport, ResponderConfig config, const Clock& clock,
                Serve serve) {
    thread_ = std::thread(
        [&transport, config = std::move(config), &clock, serve = std::move(serve), this]() mutable {
          auto session = Session::accept(transport, std::move(config), clock);
          if (!session.ok()) {
            accept_error_ = session.error();
            return;
          }
          serve(**session);
        });
  }
  ~EnclaveThread() { join(); }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  const std::optional<Error>& accept_error() {
    join();
    return accept_error_;
  }

 private:
  std::thread thread_;
  std::optional<Error> accept_error_;
};

// Echoes every request back as start, three deltas and an end.
void echo_server(Session& session) {
  while (true) {
    auto event = session.receive(soon());
    if (!event.ok()) return;
    if (event->kind != EventKind::kRequest) continue;
    StreamId id = event->stream_id;
    const Bytes& body = event->body;
    size_t third = body.size() / 3;
    if (!session.send_response_start(id, as_bytes("echo")).ok()) continue;
    (void)session.send_stream_delta(id, ByteSpan(body).first(third));
    (void)session.send_stream_delta(id, ByteSpan(body).subspan(third, third));
    (void)session.send_stream_delta(id, ByteSpan(body).subspan(2 * third));
    (void)session.send_response_end(id, as_bytes("end"));
  }
}

// Collects one stream's whole response as the client sees it.
struct Response {
  Bytes head;
  Bytes body;
  Bytes tail;
  std::optional<uint16_t> error_code;
  bool done = false;
};

void record(std::map<StreamId, Response>& responses, const Event& event) {
  Response& response = responses[event.stream_id];
  switch (event.kind) {
    case EventKind::kResponseStart: response.head = event.body; break;
    case EventKind::kStreamDelta:
      response.body.insert(response.body.end(), event.body.begin(), event.body.end());
      break;
    case EventKind::kResponseEnd:
      response.tail = event.body;
      response.done = true;
      break;
    case EventKind::kStreamError:
      response.error_code = event.error_code;
      response.done = true;
      break;
    default: break;
  }
}

class SessionTest : public ::testing::Test {
 protected:
  MemoryPipe pipe_{system_clock()};
  Enclave enclave_;
};

TEST_F(SessionTest, RoundTripsMultiChunkMessages) {
  EnclaveThread enclave(pipe_.server_end(), enclave_.config(), system_clock(), echo_server);
  auto client = Session::connect(pipe_.client_end(), client_config(), system_clock());
  ASSERT_TRUE(client.ok()) << client.error().message();
  Bytes request = pattern_bytes(1 << 20, 7);  // 17 frames of at most 65507 bytes
  auto id = (*client)->send_request(request);
  ASSERT_TRUE(id.ok());
  std::map<StreamId, Response> responses;
  while (!responses[*id].done) {
    auto event = (*client)->receive(soon());
    ASSERT_TRUE(event.ok()) << event.error().message();
    record(responses, *event);
  }
  EXPECT_EQ(responses[*id].head, to_bytes("echo"));
  EXPECT_EQ(responses[*id].body, request);
  EXPECT_EQ(responses[*id].tail, to_bytes("end"));
  (*client)->close();
}

TEST_F(SessionTest, CarriesManyConcurrentStreams) {
  constexpr int kStreams = 64;
  // The enclave collects every request first, then answers them in reverse
  // order with their deltas interleaved.
  EnclaveThread enclave(pipe_.server_end(), enclave_.config(), system_clock(), [](Session& s) {
    std::vector<Event> requests;
    while (requests.size() < kStreams) {
      auto event = s.receive(soon());
      if (!event.ok()) return;
      requests.push_back(*event);
    }
    for (auto it = requests.rbegin(); it != requests.rend(); ++it) {
      ASSERT_TRUE(s.send_response_start(it->stream_id, {}).ok());
    }
    for (size_t half = 0; half < 2; ++half) {
      for (const Event& request : requests) {
        size_t mid = request.body.size() / 2;
        ByteSpan part =
            half == 0 ? ByteSpan(request.body).first(mid) : ByteSpan(request.body).subspan(mid);
        ASSERT_TRUE(s.send_stream_delta(request.stream_id, part).ok());
      }
    }
    for (const Event& request : requests) {
      ASSERT_TRUE(s.send_response_end(request.stream_id, {}).ok());
    }
    (void)s.receive(soon());  // until the client closes
  });
  auto client = Session::connect(pipe_.client_end(), client_config(), system_clock());
  ASSERT_TRUE(client.ok());
  std::map<StreamId, Bytes> sent;
  for (int i = 0; i < kStreams; ++i) {
    Bytes body = pattern_bytes(1000 + i * 100, static_cast<uint8_t>(i));
    auto id = (*client)->send_request(body);
    ASSERT_TRUE(id.ok()) << id.error().message();
    sent[*id] = body;
  }
  EXPECT_EQ((*client)->send_request(as_bytes("one too many")).error().code(),
            ErrorCode::kResourceExhausted);
  std::map<StreamId, Response> responses;
  size_t done = 0;
  while (done < kStreams) {
    auto event = (*client)->receive(soon());
    ASSERT_TRUE(event.ok()) << event.error().message();
    record(responses, *event);
    if (event->kind == EventKind::kResponseEnd) ++done;
  }
  for (const auto& [id, body] : sent) EXPECT_EQ(responses[id].body, body) << "stream " << id;
  (*client)->close();
}

TEST_F(SessionTest, CancelsAStreamAndKeepsTheSession) {
  std::atomic<bool> saw_cancel = false;
  std::atomic<bool> late_delta_refused = false;
  EnclaveThread enclave(pipe_.server_end(), enclave_.config(), system_clock(), [&](Session& s) {
    while (true) {
      auto event = s.receive(soon());
      if (!event.ok()) return;
      if (event->kind == EventKind::kCancelled) {
        saw_cancel = true;
        late_delta_refused =
            s.send_stream_delta(event->stream_id, as_bytes("late")).error().code() ==
            ErrorCode::kCancelled;
      } else if (event->kind == EventKind::kRequest && event->body == to_bytes("endless")) {
        ASSERT_TRUE(s.send_response_start(event->stream_id, {}).ok());
        ASSERT_TRUE(s.send_stream_delta(event->stream_id, as_bytes("tok")).ok());
      } else if (event->kind == EventKind::kRequest) {
        ASSERT_TRUE(s.send_response_start(event->stream_id, {}).ok());
        ASSERT_TRUE(s.send_response_end(event->stream_id, event->body).ok());
      }
    }
  });
  auto client = *Session::connect(pipe_.client_end(), client_config(), system_clock());
  StreamId endless = *client->send_request(as_bytes("endless"));
  std::map<StreamId, Response> responses;
  bool cancelled = false;
  while (!responses[endless].done) {
    auto event = client->receive(soon());
    ASSERT_TRUE(event.ok()) << event.error().message();
    record(responses, *event);
    if (event->kind == EventKind::kStreamDelta && !cancelled) {
      ASSERT_TRUE(client->cancel(endless).ok());
      cancelled = true;
    }
  }
  ASSERT_TRUE(responses[endless].error_code);
  EXPECT_EQ(*responses[endless].error_code, static_cast<uint16_t>(WireError::kCancelled));

  StreamId next = *client->send_request(as_bytes("still works"));
  while (!responses[next].done) record(responses, *client->receive(soon()));
  EXPECT_EQ(responses[next].tail, to_bytes("still works"));
  client->close();
  enclave.join();
  EXPECT_TRUE(saw_cancel);
  EXPECT_TRUE(late_delta_refused);
}

TEST_F(SessionTest, AnswersPings) {
  EnclaveThread enclave(pipe_.server_end(), enclave_.config(), system_clock(), echo_server);
  auto client = *Session::connect(pipe_.client_end(), client_config(), system_clock());
  ASSERT_TRUE(client->ping().ok());
  auto pong = client->receive(soon());
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(pong->kind, EventKind::kPong);
  client->close();
}

TEST_F(SessionTest, NormalCloseReachesThePeer) {
  EnclaveThread enclave(pipe_.server_end(), enclave_.config(), system_clock(),
                        [](Session& s) { s.close(); });
  auto client = *Session::connect(pipe_.client_end(), client_config(), system_clock());
  auto event = client->receive(soon());
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(client->closed());
}

// Runs a session whose client messages pass through `rewrite`, sends two
// requests, and returns how the enclave's session ended and what the client
// was told.
struct Outcome {
  Error enclave_error{ErrorCode::kInternal, "no error"};
  Error client_error{ErrorCode::kInternal, "no error"};
};

Outcome run_tampered(MemoryPipe& pipe, const Enclave& enclave,
                     TamperingTransport::Rewrite rewrite) {
  Outcome outcome;
  EnclaveThread server(pipe.server_end(), enclave.config(), system_clock(), [&](Session& s) {
    while (true) {
      auto event = s.receive(soon());
      if (!event.ok()) {
        outcome.enclave_error = event.error();
        return;
      }
    }
  });
  TamperingTransport tampering(pipe.client_end(), std::move(rewrite));
  auto client = Session::connect(tampering, client_config(), system_clock());
  if (!client.ok()) {
    outcome.client_error = client.error();
    return outcome;
  }
  // The client learns the enclave's reason from whichever call fails first.
  auto first = (*client)->send_request(as_bytes("first"));
  auto second = (*client)->send_request(as_bytes("second"));
  auto event = (*client)->receive(soon());
  if (!first.ok()) {
    outcome.client_error = first.error();
  } else if (!second.ok()) {
    outcome.client_error = second.error();
  } else if (!event.ok()) {
    outcome.client_error = event.error();
  }
  server.join();
  return outcome;
}

TEST_F(SessionTest, TamperedCiphertextEndsTheSession) {
  int count = 0;
  Outcome outcome = run_tampered(pipe_, enclave_, [&](Bytes message) {
    if (++count == 3) message[5] ^= 0x20;  // the first transport message (after m1, m3)
    return std::vector<Bytes>{message};
  });
  EXPECT_EQ(outcome.enclave_error.code(), ErrorCode::kRejected) << outcome.enclave_error.message();
  EXPECT_EQ(outcome.client_error.code(), ErrorCode::kMalformed) << outcome.client_error.message();
  EXPECT_NE(outcome.client_error.message().find("protocol_error"), std::string::npos);
}

TEST_F(SessionTest, ReplayedMessageEndsTheSession) {
  int count = 0;
  Outcome outcome = run_tampered(pipe_, enclave_, [&](Bytes message) {
    if (++count == 3) return std::vector<Bytes>{message, message};
    return std::vector<Bytes>{message};
  });
  EXPECT_EQ(outcome.enclave_error.code(), ErrorCode::kRejected);
  EXPECT_EQ(outcome.client_error.code(), ErrorCode::kMalformed);
}

TEST_F(SessionTest, ReorderedMessagesEndTheSession) {
  int count = 0;
  Bytes held;
  Outcome outcome = run_tampered(pipe_, enclave_, [&](Bytes message) {
    ++count;
    if (count == 3) {
      held = message;
      return std::vector<Bytes>{};
    }
    if (count == 4) return std::vector<Bytes>{message, held};
    return std::vector<Bytes>{message};
  });
  EXPECT_EQ(outcome.enclave_error.code(), ErrorCode::kRejected);
}

TEST_F(SessionTest, OversizedTransportMessageEndsTheSession) {
  int count = 0;
  Outcome outcome = run_tampered(pipe_, enclave_, [&](Bytes message) {
    if (++count == 3) message.resize(noise::kMaxMessageSize + 1);
    return std::vector<Bytes>{message};
  });
  EXPECT_EQ(outcome.enclave_error.code(), ErrorCode::kMalformed);
  EXPECT_NE(outcome.enclave_error.message().find("65535"), std::string::npos);
}

// A client that holds the session keys but breaks the framing rules.
class RawClient {
 public:
  explicit RawClient(MessageTransport& transport) : transport_(transport) {}

  Status handshake() {
    auto noise_config =
        session_noise_config(noise::Role::kInitiator, crypto::x25519_generate(), std::nullopt);
    CLOISTER_ASSIGN_OR_RETURN(auto state, noise::HandshakeState::create(std::move(noise_config)));
    CLOISTER_ASSIGN_OR_RETURN(Bytes hello, encode_client_hello({{kVersion1}, std::nullopt}));
    CLOISTER_ASSIGN_OR_RETURN(Bytes m1, state.write_message(hello));
    CLOISTER_TRY(transport_.send(m1));
    CLOISTER_ASSIGN_OR_RETURN(Bytes m2, transport_.receive(soon()));
    CLOISTER_TRY(state.read_message(m2));
    CLOISTER_ASSIGN_OR_RETURN(Bytes finish, encode_client_finish({}));
    CLOISTER_ASSIGN_OR_RETURN(Bytes m3, state.write_message(finish));
    CLOISTER_TRY(transport_.send(m3));
    CLOISTER_ASSIGN_OR_RETURN(auto transport, state.into_transport());
    noise_.emplace(std::move(transport));
    return ok_status();
  }

  Status send_plaintext(ByteSpan plaintext) {
    CLOISTER_ASSIGN_OR_RETURN(Bytes message, noise_->write_message(plaintext));
    return transport_.send(message);
  }
  Status send_frame(const Frame& frame) { return send_plaintext(*encode_frame(frame)); }

  // Returns the next frame from the enclave.
  Result<Frame> next_frame() {
    CLOISTER_ASSIGN_OR_RETURN(Bytes message, transport_.receive(soon()));
    CLOISTER_ASSIGN_OR_RETURN(Bytes plaintext, noise_->read_message(message));
    return decode_frame(plaintext);
  }

  // Returns what the enclave said when it ended the session.
  Result<ErrorPayload> farewell() {
    CLOISTER_ASSIGN_OR_RETURN(Frame frame, next_frame());
    return decode_error_payload(frame.payload);
  }

 private:
  MessageTransport& transport_;
  std::optional<noise::TransportState> noise_;
};

class MaliciousClientTest : public SessionTest {
 protected:
  // Starts an enclave that records how its session ended.
  void start_enclave(Limits limits = {}) {
    enclave_thread_.emplace(pipe_.server_end(), enclave_.config(limits), system_clock(),
                            [this](Session& s) {
                              while (true) {
                                auto event = s.receive(soon());
                                if (!event.ok()) {
                                  enclave_error_ = event.error();
                                  return;
                                }
                              }
                            });
    ASSERT_TRUE(raw_.handshake().ok());
  }

  void TearDown() override {
    if (enclave_thread_) enclave_thread_->join();
  }

  // Declared before the thread, so that it outlives the thread that writes it.
  std::optional<Error> enclave_error_;
  std::optional<EnclaveThread> enclave_thread_;
  RawClient raw_{pipe_.client_end()};
};

TEST_F(MaliciousClientTest, ReorderedChunksEndTheSession) {
  start_enclave();
  ASSERT_TRUE(raw_.send_frame({FrameType::kRequest, false, 1, 0, to_bytes("aaaa")}).ok());
  ASSERT_TRUE(raw_.send_frame({FrameType::kRequest, false, 1, 2, to_bytes("cccc")}).ok());
  auto farewell = raw_.farewell();
  ASSERT_TRUE(farewell.ok()) << farewell.error().message();
  EXPECT_EQ(farewell->code, static_cast<uint16_t>(WireError::kProtocolError));
  EXPECT_NE(farewell->reason.find("chunk 2 arrived where chunk 1 was expected"), std::string::npos);
  enclave_thread_->join();
  ASSERT_TRUE(enclave_error_);
  EXPECT_EQ(enclave_error_->code(), ErrorCode::kMalformed);
}

TEST_F(MaliciousClientTest, OversizedMessageEndsTheSession) {
  Limits limits;
  limits.max_message_size = 100'000;
  start_enclave(limits);
  ASSERT_TRUE(raw_.send_frame({FrameType::kRequest, false, 1, 0, Bytes(kMaxFramePayload)}).ok());
  ASSERT_TRUE(raw_.send_frame({FrameType::kRequest, false, 1, 1, Bytes(kMaxFramePayload)}).ok());
  auto farewell = raw_.farewell();
  ASSERT_TRUE(farewell.ok());
  EXPECT_EQ(farewell->code, static_cast<uint16_t>(WireError::kTooLarge));
}

// Pings are answered, but a stream of them cannot hold the enclave's receive
// past its deadline.
TEST(SessionPings, PingFloodDoesNotOutlastTheDeadline) {
  FixedClock clock(from_unix_seconds(1'700'000'000));
  MemoryPipe pipe(clock);
  Enclave enclave;
  std::optional<Error> error;
  size_t pongs = 0;
  std::thread server([&]() {
    auto session = Session::accept(pipe.server_end(), enclave.config(), clock);
    if (!session.ok()) return;
    auto event = (*session)->receive(clock.now() + 1s);
    if (!event.ok()) error = event.error();
  });
  RawClient raw(pipe.client_end());
  EXPECT_TRUE(raw.handshake().ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(raw.send_frame({FrameType::kPing, true, 0, 0, Bytes(8, uint8_t(i))}).ok());
  }
  for (int i = 0; i < 3; ++i) {
    auto pong = raw.next_frame();
    EXPECT_TRUE(pong.ok() && pong->type == FrameType::kPong);
    pongs += pong.ok() ? 1 : 0;
  }
  clock.advance(2s);  // the flood continues past the deadline
  EXPECT_TRUE(raw.send_frame({FrameType::kPing, true, 0, 0, Bytes(8, 9)}).ok());
  server.join();
  EXPECT_EQ(pongs, 3u);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::kDeadlineExceeded);
}

TEST_F(MaliciousClientTest, MalformedFrameEndsTheSession) {
  start_enclave();
  ASSERT_TRUE(raw_.send_plaintext(as_bytes("not a frame")).ok());
  auto farewell = raw_.farewell();
  ASSERT_TRUE(farewell.ok());
  EXPECT_EQ(farewell->code, static_cast<uint16_t>(WireError::kProtocolError));
}

TEST_F(SessionTest, UnknownVersionFailsBothSides) {
  EnclaveThread enclave(pipe_.server_end(), enclave_.config(), system_clock(), echo_server);
  auto config = client_config();
  config.versions = {2, 3};
  auto client = Session::connect(pipe_.client_end(), std::move(config), system_clock());
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code(), ErrorCode::kUnsupported);
  ASSERT_TRUE(enclave.accept_error());
  EXPECT_EQ(enclave.accept_error()->code(), ErrorCode::kUnsupported);
}

TEST_F(SessionTest, MismatchedBindingStopsTheClientBeforeMessage3) {
  auto config = enclave_.config();
  config.produce_evidence = testing::honest_producer(testing::x25519_key(0x01).public_key,
                                                     enclave_.receipt_key.public_key);
  EnclaveThread enclave(pipe_.server_end(), std::move(config), system_clock(), echo_server);
  auto client = Session::connect(pipe_.client_end(), client_config(), system_clock());
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code(), ErrorCode::kRejected);
  ASSERT_TRUE(enclave.accept_error());
  // The enclave never got message 3: the client closed instead.
  EXPECT_EQ(enclave.accept_error()->code(), ErrorCode::kUnavailable);
}

TEST(SessionDeadline, StalledHandshakeTimesOutOnTheInjectedClock) {
  FixedClock clock(from_unix_seconds(1'700'000'000));
  MemoryPipe pipe(clock);
  Enclave enclave;
  std::optional<Error> error;
  std::atomic<bool> done = false;
  std::thread server([&]() {
    auto session = Session::accept(pipe.server_end(), enclave.config(), clock);
    if (!session.ok()) error = session.error();
    done = true;
  });
  // The client never sends message 1. Time passes on the injected clock
  // only; it moves until the enclave has given up (its deadline started
  // whenever its thread got going).
  for (int i = 0; i < 1'000'000 && !done; ++i) {
    clock.advance(31s);
    pipe.wake();
    std::this_thread::yield();
  }
  server.join();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::kDeadlineExceeded);
}

TEST(SessionDeadline, EnclaveGivesUpWhenMessage3NeverComes) {
  FixedClock clock(from_unix_seconds(1'700'000'000));
  MemoryPipe pipe(clock);
  Enclave enclave;
  std::optional<Error> error;
  std::thread server([&]() {
    auto session = Session::accept(pipe.server_end(), enclave.config(), clock);
    if (!session.ok()) error = session.error();
  });
  auto initiator = *Initiator::create(client_config(), clock);
  EXPECT_TRUE(pipe.client_end().send(*initiator.start()).ok());
  // Once message 2 is back the enclave waits for message 3, which never comes.
  EXPECT_TRUE(pipe.client_end().receive(system_clock().now() + 20s).ok());
  clock.advance(30s);
  pipe.wake();
  server.join();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::kDeadlineExceeded);
}

TEST(SessionDeadline, ClientGivesUpWhenMessage2NeverComes) {
  FixedClock clock(from_unix_seconds(1'700'000'000));
  MemoryPipe pipe(clock);
  std::optional<Error> error;
  std::thread client([&]() {
    auto session = Session::connect(pipe.client_end(), client_config(), clock);
    if (!session.ok()) error = session.error();
  });
  // Once message 1 is on the wire the client is waiting; then time runs out.
  auto message1 = pipe.server_end().receive(system_clock().now() + 20s);
  EXPECT_TRUE(message1.ok());
  clock.advance(30s);
  pipe.wake();
  client.join();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::kDeadlineExceeded);
}

TEST_F(SessionTest, RekeysInStepAndFailsOutOfStep) {
  Limits rekey_often;
  rekey_often.rekey_interval = 3;
  EnclaveThread enclave(pipe_.server_end(), enclave_.config(rekey_often), system_clock(),
                        echo_server);
  auto client = *Session::connect(pipe_.client_end(), client_config(std::nullopt, rekey_often),
                                  system_clock());
  for (int i = 0; i < 10; ++i) {
    StreamId id = *client->send_request(as_bytes("rekey me"));
    std::map<StreamId, Response> responses;
    while (!responses[id].done) {
      auto event = client->receive(soon());
      ASSERT_TRUE(event.ok()) << event.error().message();
      record(responses, *event);
    }
    EXPECT_EQ(responses[id].body, to_bytes("rekey me"));
  }
  client->close();
}

TEST(SessionRekey, SidesThatDisagreeOnRekeyingCannotTalk) {
  MemoryPipe pipe(system_clock());
  Enclave enclave;
  Limits rekey_often;
  rekey_often.rekey_interval = 2;
  EnclaveThread server(pipe.server_end(), enclave.config(), system_clock(), echo_server);
  auto client = *Session::connect(pipe.client_end(), client_config(std::nullopt, rekey_often),
                                  system_clock());
  (void)client->send_request(as_bytes("a"));
  (void)client->send_request(as_bytes("b"));  // sent under the rekeyed key
  bool failed = false;
  for (int i = 0; i < 20 && !failed; ++i) failed = !client->receive(soon()).ok();
  EXPECT_TRUE(failed);
}

}  // namespace
}  // namespace cloister::session
