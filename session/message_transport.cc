#include "session/message_transport.h"

#include <algorithm>

namespace cloister::session {

struct MemoryPipe::Shared {
  explicit Shared(const Clock& c, size_t limit) : clock(&c), max_queued(limit) {}
  const Clock* clock;
  size_t max_queued;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Bytes> queues[2];  // [0]: to the client, [1]: to the server
  bool closed = false;
};

class MemoryPipe::End final : public MessageTransport {
 public:
  End(std::shared_ptr<Shared> shared, int inbox) : shared_(std::move(shared)), inbox_(inbox) {}

  Status send(ByteSpan message) override {
    std::lock_guard lock(shared_->mutex);
    if (shared_->closed) return Error(ErrorCode::kUnavailable, "the pipe is closed");
    auto& queue = shared_->queues[1 - inbox_];
    if (queue.size() >= shared_->max_queued) {
      return Error(ErrorCode::kResourceExhausted, "the pipe's queue is full");
    }
    queue.push_back(to_bytes(message));
    shared_->changed.notify_all();
    return ok_status();
  }

  Result<Bytes> receive(TimePoint deadline) override {
    std::unique_lock lock(shared_->mutex);
    auto& queue = shared_->queues[inbox_];
    while (true) {
      if (!queue.empty()) {
        Bytes message = std::move(queue.front());
        queue.pop_front();
        return message;
      }
      if (shared_->closed) return Error(ErrorCode::kUnavailable, "the peer closed the pipe");
      auto left = time_left(deadline, shared_->clock->now());
      if (left <= TimePoint::duration::zero()) {
        return Error(ErrorCode::kDeadlineExceeded, "no message arrived before the deadline");
      }
      // A real clock moves on its own; a test clock moves with wake().
      shared_->changed.wait_for(lock, std::min<TimePoint::duration>(left, std::chrono::seconds(1)));
    }
  }

  void close() override {
    std::lock_guard lock(shared_->mutex);
    shared_->closed = true;
    shared_->changed.notify_all();
  }

 private:
  std::shared_ptr<Shared> shared_;
  int inbox_;
};

MemoryPipe::MemoryPipe(const Clock& clock, size_t max_queued)
    : shared_(std::make_shared<Shared>(clock, max_queued)),
      client_(std::make_unique<End>(shared_, 0)),
      server_(std::make_unique<End>(shared_, 1)) {}

MemoryPipe::~MemoryPipe() = default;

MessageTransport& MemoryPipe::client_end() { return *client_; }
MessageTransport& MemoryPipe::server_end() { return *server_; }

void MemoryPipe::wake() {
  std::lock_guard lock(shared_->mutex);
  shared_->changed.notify_all();
}

}  // namespace cloister::session
