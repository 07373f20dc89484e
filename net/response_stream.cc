#include "net/response_stream.h"

#include "net/internal/stream_sink.h"

namespace cloister::net {

ResponseStream::ResponseStream(std::shared_ptr<Sink> sink) : sink_(std::move(sink)) {}

ResponseStream::~ResponseStream() { sink_->finish(); }

bool ResponseStream::write(std::string_view data) { return sink_->write(data, true); }
bool ResponseStream::try_write(std::string_view data) { return sink_->write(data, false); }
bool ResponseStream::send_event(const SseEvent& event) { return write(format_sse_event(event)); }
void ResponseStream::finish() { sink_->finish(); }
bool ResponseStream::is_open() const { return sink_->is_open(); }

bool ResponseStream::Sink::write(std::string_view data, bool wait) {
  if (data.empty()) return is_open();
  {
    std::unique_lock lock(mutex_);
    auto fits = [&] {
      return failed_ || finished_ || buffered_ == 0 || buffered_ + data.size() <= buffer_limit_;
    };
    if (!fits()) {
      if (!wait) return false;
      if (!space_.wait_for(lock, write_timeout_, fits)) {
        // The client stopped reading: give up on it rather than buffer more.
        failed_ = true;
        lock.unlock();
        wake_();
        return false;
      }
    }
    if (failed_ || finished_) return false;
    queue_.emplace_back(data);
    buffered_ += data.size();
  }
  wake_();
  return true;
}

void ResponseStream::Sink::finish() {
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
  }
  space_.notify_all();
  wake_();
}

bool ResponseStream::Sink::is_open() const {
  std::lock_guard lock(mutex_);
  return !failed_ && !finished_;
}

ResponseStream::Sink::Next ResponseStream::Sink::take() {
  std::lock_guard lock(mutex_);
  Next next;
  if (failed_) {
    next.failed = true;
    return next;
  }
  if (!queue_.empty()) {
    next.chunk = std::move(queue_.front());
    queue_.pop_front();
    return next;
  }
  next.finished = finished_;
  return next;
}

void ResponseStream::Sink::consumed(size_t size) {
  {
    std::lock_guard lock(mutex_);
    buffered_ -= std::min(size, buffered_);
  }
  space_.notify_all();
}

void ResponseStream::Sink::fail() {
  {
    std::lock_guard lock(mutex_);
    failed_ = true;
    queue_.clear();
    buffered_ = 0;
  }
  space_.notify_all();
}

}  // namespace cloister::net
