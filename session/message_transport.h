// The one thing a session needs from the network: whole messages, in order,
// each way. A WebSocket (one binary message per Noise message) or any other
// reliable, message-preserving link can implement it; MemoryPipe joins two
// ends in-process for tests and for an in-process enclave.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "base/bytes.h"
#include "base/clock.h"

namespace cloister::session {

class MessageTransport {
 public:
  virtual ~MessageTransport() = default;

  // Sends one whole message. Fails with kUnavailable once either end closed.
  // One sender and one receiver may use a transport at the same time.
  virtual Status send(ByteSpan message) = 0;
  // Returns the next whole message, waiting until `deadline` (a deadline in
  // the past only polls: it returns a message already received, if any).
  // Fails with kDeadlineExceeded when none arrived in time and kUnavailable
  // when the peer closed and nothing is left to read.
  virtual Result<Bytes> receive(TimePoint deadline) = 0;
  // Closes both directions and wakes a blocked receive().
  virtual void close() = 0;
};

// Two connected in-memory transports. Deadlines are read from `clock`, so a
// test can move a FixedClock past a deadline and call wake() instead of
// sleeping.
class MemoryPipe {
 public:
  // `clock` must outlive the pipe; at most `max_queued` messages wait per direction.
  explicit MemoryPipe(const Clock& clock, size_t max_queued = 4096);
  ~MemoryPipe();
  MemoryPipe(const MemoryPipe&) = delete;
  MemoryPipe& operator=(const MemoryPipe&) = delete;

  MessageTransport& client_end();
  MessageTransport& server_end();

  // Makes blocked receivers look at the clock again.
  void wake();

 private:
  struct Shared;
  class End;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<End> client_;
  std::unique_ptr<End> server_;
};

}  // namespace cloister::session
