// Private to net/: the bounded buffer between a streamed response's producer
// (any thread) and the connection that writes it (the connection's strand).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "net/response_stream.h"

namespace cloister::net {

class ResponseStream::Sink {
 public:
  // `wake` asks the connection to look at the queue again; it must not block.
  Sink(size_t buffer_limit, std::chrono::milliseconds write_timeout, std::function<void()> wake)
      : buffer_limit_(buffer_limit), write_timeout_(write_timeout), wake_(std::move(wake)) {}

  // Producer side.
  bool write(std::string_view data, bool wait);
  void finish();
  bool is_open() const;

  // Connection side.
  struct Next {
    std::optional<std::string> chunk;  // the next piece to write, if any
    bool finished = false;             // no more pieces will come
    bool failed = false;               // the body is incomplete: drop the connection
  };
  // Returns the next queued piece, or says the body is finished.
  Next take();
  // Reports that `size` bytes of a taken piece reached the socket.
  void consumed(size_t size);
  // Reports that the connection is gone; waiting and later writes fail.
  void fail();

 private:
  const size_t buffer_limit_;
  const std::chrono::milliseconds write_timeout_;
  std::function<void()> wake_;

  mutable std::mutex mutex_;
  std::condition_variable space_;
  std::deque<std::string> queue_;
  size_t buffered_ = 0;  // queued plus being written
  bool finished_ = false;
  bool failed_ = false;
};

}  // namespace cloister::net
