// The writing end of a streamed HTTP response body (chunked or Server-Sent
// Events). A producer writes from any thread except the server's I/O threads;
// writes block while the connection's buffer is full, so a slow reader slows
// the producer instead of growing the server's memory.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "net/sse.h"

namespace cloister::net {

class ResponseStream {
 public:
  // The connection side of a stream; only the server implements it.
  class Sink;

  explicit ResponseStream(std::shared_ptr<Sink> sink);
  // Finishes the body if nobody did.
  ~ResponseStream();
  ResponseStream(const ResponseStream&) = delete;
  ResponseStream& operator=(const ResponseStream&) = delete;

  // Queues `data` as the next piece of the body, waiting while the buffer is
  // full. Returns false if the client has gone or stopped reading for longer
  // than the server's write timeout; the producer should stop then.
  bool write(std::string_view data);
  // Queues `data` only if it fits in the buffer now; never waits. Returns false
  // if it did not fit or the client has gone (see is_open()).
  bool try_write(std::string_view data);
  // Writes one Server-Sent Event (see format_sse_event).
  bool send_event(const SseEvent& event);
  // Ends the body. Later writes return false.
  void finish();
  // Returns true while the client is connected and the body is not finished.
  bool is_open() const;

 private:
  std::shared_ptr<Sink> sink_;
};

}  // namespace cloister::net
