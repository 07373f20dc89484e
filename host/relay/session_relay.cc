#include "host/relay/session_relay.h"

#include <algorithm>
#include <atomic>
#include <mutex>

namespace cloister::host {
namespace {

using Clock = std::chrono::steady_clock;

enum class Direction { kToEnclave, kToClient };

bool sendable(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

class Relay : public RelayHandle, public std::enable_shared_from_this<Relay> {
 public:
  Relay(std::shared_ptr<net::WebSocket> client, std::shared_ptr<net::WebSocket> upstream,
        RelayLimits limits, HostMetrics& metrics, std::shared_ptr<void> holds)
      : client_(std::move(client)),
        upstream_(std::move(upstream)),
        limits_(limits),
        metrics_(metrics),
        holds_(std::move(holds)),
        tokens_(limits.message_burst),
        refilled_(Clock::now()),
        started_(Clock::now()) {
    metrics_.sessions_active.add(1);
    metrics_.sessions_opened.inc();
  }

  ~Relay() override {
    metrics_.sessions_active.add(-1);
    metrics_.session_seconds.observe(
        std::chrono::duration<double>(Clock::now() - started_).count());
  }

  void start() {
    pump(Direction::kToEnclave);
    pump(Direction::kToClient);
  }

  void sever() override {
    client_.reset();
    upstream_.reset();
  }

 private:
  net::WebSocket& source(Direction direction) {
    return direction == Direction::kToEnclave ? *client_ : *upstream_;
  }
  net::WebSocket& sink(Direction direction) {
    return direction == Direction::kToEnclave ? *upstream_ : *client_;
  }

  void pump(Direction direction) {
    source(direction).async_read([self = shared_from_this(),
                                  direction](Result<net::WebSocketMessage> message) {
      if (!message.ok()) return self->end(direction);
      // Only the client's messages spend the rate budget: the enclave's
      // answer them, and a fast model streams many.
      if (direction == Direction::kToEnclave && !self->take_token()) {
        return self->close_both({net::CloseCode::kPolicyViolation, "message rate limit exceeded"});
      }
      size_t size = message->data.size();
      if (direction == Direction::kToEnclave) {
        self->metrics_.messages_to_enclave.inc();
        self->metrics_.bytes_to_enclave.inc(size);
      } else {
        self->metrics_.messages_to_client.inc();
        self->metrics_.bytes_to_client.inc(size);
      }
      self->sink(direction).async_write(
          std::move(*message), [self, direction](const Status& written) {
            if (!written.ok()) {
              // The receiving side is gone; end the sending side too.
              return self->source(direction).close(
                  forwarded_close(self->sink(direction).peer_close_status()));
            }
            self->pump(direction);
          });
    });
  }

  // The source of `direction` ended: pass its close on to the other side.
  void end(Direction direction) {
    sink(direction).close(forwarded_close(source(direction).peer_close_status()));
  }

  void close_both(const net::CloseStatus& status) {
    client_->close(status);
    upstream_->close(status);
  }

  bool take_token() {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    double elapsed = std::chrono::duration<double>(now - refilled_).count();
    tokens_ = std::min(limits_.message_burst, tokens_ + elapsed * limits_.messages_per_second);
    refilled_ = now;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  std::shared_ptr<net::WebSocket> client_;
  std::shared_ptr<net::WebSocket> upstream_;
  RelayLimits limits_;
  HostMetrics& metrics_;
  std::shared_ptr<void> holds_;

  std::mutex mutex_;  // the two directions run on different strands
  double tokens_;
  Clock::time_point refilled_;
  Clock::time_point started_;
};

}  // namespace

net::CloseStatus forwarded_close(const std::optional<net::CloseStatus>& status) {
  if (status && sendable(static_cast<uint16_t>(status->code))) return *status;
  return {net::CloseCode::kGoingAway, "peer went away"};
}

void RelayRegistry::add(const std::shared_ptr<RelayHandle>& relay) {
  std::lock_guard lock(mutex_);
  if (relays_.size() >= prune_at_) {
    std::erase_if(relays_, [](const std::weak_ptr<RelayHandle>& r) { return r.expired(); });
    prune_at_ = std::max<size_t>(64, 2 * relays_.size());
  }
  relays_.push_back(relay);
}

void RelayRegistry::sever_all() {
  std::lock_guard lock(mutex_);
  for (const std::weak_ptr<RelayHandle>& weak : relays_) {
    if (std::shared_ptr<RelayHandle> relay = weak.lock()) relay->sever();
  }
  relays_.clear();
}

void start_relay(std::shared_ptr<net::WebSocket> client, std::shared_ptr<net::WebSocket> upstream,
                 RelayLimits limits, HostMetrics& metrics, std::shared_ptr<void> holds,
                 RelayRegistry& registry) {
  auto relay = std::make_shared<Relay>(std::move(client), std::move(upstream), limits, metrics,
                                       std::move(holds));
  registry.add(relay);
  relay->start();
}

}  // namespace cloister::host
