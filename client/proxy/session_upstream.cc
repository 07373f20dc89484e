#include "client/proxy/session_upstream.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/json_fields.h"
#include "client/connect/http_tiles.h"
#include "client/connect/verified_connection.h"
#include "crypto/random.h"
#include "session/receipt.h"
#include "session/session.h"
#include "session/websocket_transport.h"
#include "tlog/tiles.h"

namespace cloister::client::proxy {
namespace {

using namespace std::chrono_literals;

Error rejected(std::string message) { return Error(ErrorCode::kRejected, std::move(message)); }

// What the handshake's verifier established, read once the session is up.
struct Verified {
  Verification verification;
  AttestedEnclave summary;
};

// Verifies the enclave's offer with the client's verifier (docs/client.md).
Status verify_bundle(const session::EvidenceBundle& bundle, const session::ReportData& expected,
                     const SessionUpstreamOptions& options,
                     const tlog::ConsistencyProofSource& consistency, Verified* verified) {
  auto verification = verify_offer(bundle, expected, options.policy, consistency);
  if (!verification.ok()) {
    return Error(ErrorCode::kRejected,
                 "the enclave was not verified: " + verification.error().message());
  }
  AttestedEnclave& summary = verified->summary;
  summary.simulated = verification->simulated;
  summary.platform =
      verification->simulated ? "simulated-" + verification->platform : verification->platform;
  summary.release_version = verification->manifest.version;
  summary.manifest_sha256_hex = hex_encode(verification->manifest_digest);
  summary.measurement_hex = verification->measurement;
  if (options.policy_file && verification->checkpoint_advanced) {
    CLOISTER_TRY(record_checkpoint(*options.policy_file, verification->checkpoint.origin,
                                   verification->checkpoint_note));
  }
  verified->verification = std::move(verification).value();
  return ok_status();
}

// The events of one stream, filled by the connection's reader.
struct StreamQueue {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<session::Event> events;
  std::optional<Error> ended;  // the session ended before this stream did
};

}  // namespace

// One verified session and the thread that reads it, handing each event to
// its stream's queue.
class SessionUpstream::Connection {
 public:
  static Result<std::shared_ptr<Connection>> open(net::IoPool& pool,
                                                  const SessionUpstreamOptions& options) {
    auto connection = std::shared_ptr<Connection>(new Connection());
    net::WebSocketClientOptions ws_options;
    if (options.bearer_token) {
      auto token = options.bearer_token();
      if (!token.ok()) {
        return Error(ErrorCode::kUnavailable,
                     "cannot sign in at the host: " + token.error().message());
      }
      if (!token->empty()) ws_options.headers.set("Authorization", "Bearer " + *token);
    }
    auto transport = session::WebSocketTransport::connect(pool, options.url, ws_options);
    if (!transport.ok()) {
      return Error(ErrorCode::kUnavailable,
                   "cannot connect to " + options.url + ": " + transport.error().message());
    }
    connection->transport_ = std::move(transport).value();
    std::unique_ptr<HttpTileReader> tiles;
    tlog::ConsistencyProofSource consistency;
    if (!options.log_url.empty()) {
      auto reader = HttpTileReader::create(options.log_url);
      if (!reader.ok()) return reader.error().with_context("--log-url");
      tiles = std::move(reader).value();
      consistency = tlog::consistency_from_tiles(*tiles);
    }
    session::InitiatorConfig config;
    session::Nonce nonce{};
    crypto::fill_random(nonce);
    config.nonce = nonce;
    Verified* verified = &connection->verified_;
    config.verify_evidence = [&options, &consistency, verified](
                                 const session::EvidenceBundle& bundle,
                                 const session::ReportData& expected) {
      return verify_bundle(bundle, expected, options, consistency, verified);
    };
    auto session =
        session::Session::connect(*connection->transport_, std::move(config), system_clock());
    if (!session.ok()) {
      if (session.error().code() == ErrorCode::kRejected) return session.error();
      return Error(ErrorCode::kUnavailable, "the handshake failed: " + session.error().message());
    }
    connection->session_ = std::move(session).value();
    connection->reader_ = std::thread([raw = connection.get()] { raw->read_loop(); });
    return connection;
  }

  ~Connection() {
    stopping_ = true;
    if (reader_.joinable()) reader_.join();
    if (session_ != nullptr) session_->close();
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool alive() const { return !dead_; }
  const Verified& verified() const { return verified_; }

  // Sends `body` on a new stream and returns it with its queue.
  Result<std::pair<session::StreamId, std::shared_ptr<StreamQueue>>> send(const std::string& body) {
    // Sends are serialized so that stream ids are registered in order; the
    // reader is never blocked behind a send (which may wait for the peer).
    std::lock_guard send_lock(send_mutex_);
    if (dead_) return Error(ErrorCode::kUnavailable, "the session to the enclave ended");
    auto stream = session_->send_request(as_bytes(body));
    if (!stream.ok()) {
      return Error(ErrorCode::kUnavailable,
                   "sending to the enclave failed: " + stream.error().message());
    }
    auto queue = std::make_shared<StreamQueue>();
    std::lock_guard lock(streams_mutex_);
    if (auto early = early_.find(*stream); early != early_.end()) {
      queue->events = std::move(early->second);  // events that beat the registration
      early_.erase(early);
    }
    if (dead_) queue->ended = Error(ErrorCode::kUnavailable, "the session to the enclave ended");
    last_registered_ = *stream;
    streams_[*stream] = queue;
    return std::make_pair(*stream, queue);
  }

  void cancel(session::StreamId stream) {
    if (!dead_) (void)session_->cancel(stream);
  }

  void forget(session::StreamId stream) {
    std::lock_guard lock(streams_mutex_);
    streams_.erase(stream);
  }

 private:
  Connection() = default;

  void read_loop() {
    while (!stopping_) {
      auto event = session_->receive(system_clock().now() + 500ms);
      if (!event.ok()) {
        if (event.error().code() == ErrorCode::kDeadlineExceeded) continue;
        end_all(Error(ErrorCode::kUnavailable,
                      "the session to the enclave ended: " + event.error().message()));
        return;
      }
      if (event->kind == session::EventKind::kPong) continue;
      std::shared_ptr<StreamQueue> queue;
      {
        std::lock_guard lock(streams_mutex_);
        auto it = streams_.find(event->stream_id);
        if (it == streams_.end()) {
          // A stream being registered right now, or one its reader already left.
          const session::StreamId id = event->stream_id;
          if (id > last_registered_) early_[id].push_back(std::move(event).value());
          continue;
        }
        queue = it->second;
      }
      std::lock_guard lock(queue->mutex);
      queue->events.push_back(std::move(event).value());
      queue->changed.notify_all();
    }
  }

  void end_all(const Error& error) {
    std::lock_guard lock(streams_mutex_);
    dead_ = true;
    for (auto& [id, queue] : streams_) {
      std::lock_guard queue_lock(queue->mutex);
      queue->ended = error;
      queue->changed.notify_all();
    }
  }

  std::unique_ptr<session::WebSocketTransport> transport_;
  std::unique_ptr<session::Session> session_;
  Verified verified_;
  std::thread reader_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> dead_{false};
  std::mutex send_mutex_;
  std::mutex streams_mutex_;  // guards the three below
  std::map<session::StreamId, std::shared_ptr<StreamQueue>> streams_;
  std::map<session::StreamId, std::deque<session::Event>> early_;
  session::StreamId last_registered_ = 0;
};

namespace {

class SessionChatStream final : public ChatStream {
 public:
  SessionChatStream(std::shared_ptr<SessionUpstream::Connection> connection, session::StreamId id,
                    std::shared_ptr<StreamQueue> queue, std::string body, bool expects_receipt)
      : connection_(std::move(connection)),
        id_(id),
        queue_(std::move(queue)),
        body_(std::move(body)),
        expects_receipt_(expects_receipt) {}
  ~SessionChatStream() override {
    if (!finished_) connection_->cancel(id_);
    connection_->forget(id_);
  }
  SessionChatStream(const SessionChatStream&) = delete;
  SessionChatStream& operator=(const SessionChatStream&) = delete;

  Result<UpstreamEvent> next(TimePoint deadline) override;
  void cancel() override { connection_->cancel(id_); }
  const AttestedEnclave& enclave() const override { return connection_->verified().summary; }

 private:
  Status check_receipt(const std::string& end_body) const;

  std::shared_ptr<SessionUpstream::Connection> connection_;
  session::StreamId id_;
  std::shared_ptr<StreamQueue> queue_;
  std::string body_;
  bool expects_receipt_;
  std::string content_;
  bool finished_ = false;
};

Result<UpstreamEvent> SessionChatStream::next(TimePoint deadline) {
  session::Event event;
  {
    std::unique_lock lock(queue_->mutex);
    if (!queue_->changed.wait_until(
            lock, deadline, [&] { return !queue_->events.empty() || queue_->ended.has_value(); })) {
      return Error(ErrorCode::kDeadlineExceeded, "no event yet");
    }
    if (queue_->events.empty()) return *queue_->ended;
    event = std::move(queue_->events.front());
    queue_->events.pop_front();
  }
  UpstreamEvent out;
  out.body = to_string(event.body);
  switch (event.kind) {
    case session::EventKind::kResponseStart: out.kind = UpstreamEventKind::kStart; break;
    case session::EventKind::kStreamDelta: {
      out.kind = UpstreamEventKind::kDelta;
      auto delta = nlohmann::json::parse(out.body, nullptr, false);
      if (delta.is_object() && delta.contains("content") && delta["content"].is_string()) {
        content_ += delta["content"].get<std::string>();
      }
      break;
    }
    case session::EventKind::kResponseEnd:
      finished_ = true;
      out.kind = UpstreamEventKind::kEnd;
      if (expects_receipt_) {
        CLOISTER_TRY(check_receipt(out.body));
        out.receipt_verified = true;
      }
      break;
    case session::EventKind::kStreamError:
      finished_ = true;
      out.kind = UpstreamEventKind::kError;
      out.error_code = event.error_code;
      out.reason = event.reason;
      break;
    default: return Error(ErrorCode::kMalformed, "the enclave sent an unexpected event");
  }
  return out;
}

Status SessionChatStream::check_receipt(const std::string& end_body) const {
  auto end = nlohmann::json::parse(end_body, nullptr, false);
  if (!end.is_object() || !end.contains("receipt") || !end["receipt"].is_string()) {
    return rejected("the enclave's response carries no receipt");
  }
  std::string content = content_;
  if (end.contains("content") && end["content"].is_string()) content = end["content"];
  auto receipt = base64_decode(end["receipt"].get<std::string>());
  if (!receipt.ok()) return rejected("the receipt is not base64");
  const Verification& verified = connection_->verified().verification;
  auto claims = session::verify_receipt(*receipt, verified.receipt_key);
  if (!claims.ok()) return rejected("the receipt does not verify: " + claims.error().message());
  auto covers = session::check_receipt_covers(*claims, as_bytes(body_), as_bytes(content));
  if (!covers.ok()) {
    return rejected("the receipt does not cover this answer: " + covers.error().message());
  }
  if (claims->manifest_sha256 != verified.manifest_digest) {
    return rejected("the receipt names another release than the attested one");
  }
  bool model_listed = false;
  for (const tlog::ModelFile& model : verified.manifest.models) {
    model_listed = model_listed || model.sha256 == claims->model_sha256;
  }
  if (!model_listed) return rejected("the receipt names a model the release does not list");
  return ok_status();
}

}  // namespace

SessionUpstream::SessionUpstream(net::IoPool& pool, SessionUpstreamOptions options)
    : pool_(pool), options_(std::move(options)) {}

SessionUpstream::~SessionUpstream() = default;

Result<std::shared_ptr<SessionUpstream::Connection>> SessionUpstream::connection() {
  std::lock_guard lock(mutex_);
  if (current_ != nullptr && current_->alive()) return current_;
  current_.reset();  // the enclave restarted or the relay dropped: attest again
  CLOISTER_ASSIGN_OR_RETURN(current_, Connection::open(pool_, options_));
  return current_;
}

Result<std::unique_ptr<ChatStream>> SessionUpstream::open(const std::string& request_body) {
  CLOISTER_ASSIGN_OR_RETURN(auto connection, connection());
  auto sent = connection->send(request_body);
  if (!sent.ok() && sent.error().code() == ErrorCode::kUnavailable) {
    // The session died between the check and the send: one fresh attempt.
    CLOISTER_ASSIGN_OR_RETURN(connection, this->connection());
    sent = connection->send(request_body);
  }
  if (!sent.ok()) return sent.error();
  const auto request = nlohmann::json::parse(request_body, nullptr, false);
  const bool expects_receipt = string_member(request, "method") == "chat.completions";
  return std::unique_ptr<ChatStream>(new SessionChatStream(
      connection, sent->first, std::move(sent->second), request_body, expects_receipt));
}

Result<AttestedEnclave> SessionUpstream::attest() {
  CLOISTER_ASSIGN_OR_RETURN(auto connection, connection());
  return connection->verified().summary;
}

}  // namespace cloister::client::proxy
