// Server-Sent Events (WHATWG HTML, "server-sent events"): formatting events
// for a response stream, and an incremental, bounded parser for reading them
// from an untrusted server (e.g. an OpenAI-compatible back end).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cloister::net {

struct SseEvent {
  std::string event;  // the event type; empty means "message"
  std::string data;   // may hold newlines; each becomes its own data: line
  std::string id;     // empty: no id field
  std::optional<uint64_t> retry_ms;
};

// Returns the wire form of `event`, ending with the blank line that
// dispatches it. Carriage returns and newlines in `event` and `id` (which
// would split the field) are dropped.
std::string format_sse_event(const SseEvent& event);

// Parses an event stream fed in arbitrary pieces. Each complete event is
// handed to the callback; a line or event over its limit fails the stream.
class SseParser {
 public:
  struct Limits {
    size_t max_line_bytes = 1 << 20;
    size_t max_event_bytes = 4 << 20;
  };
  // Receives each dispatched event; returning false stops parsing.
  using EventHandler = std::function<bool(const SseEvent&)>;

  SseParser() : SseParser(Limits{}) {}
  explicit SseParser(Limits limits) : limits_(limits) {}

  // Consumes `chunk`, dispatching every event it completes. Fails with
  // kResourceExhausted when a limit is exceeded, and kCancelled when the
  // handler asked to stop; the parser must not be fed again after a failure.
  Status feed(std::string_view chunk, const EventHandler& on_event);
  // Signals the end of the stream. A trailing event without its blank line is
  // discarded, as the standard says.
  void finish();
  // Returns the last event id seen (it persists across events).
  const std::string& last_event_id() const { return last_event_id_; }

 private:
  Status process_line(std::string_view line, const EventHandler& on_event);
  Status dispatch(const EventHandler& on_event);

  Limits limits_;
  std::string line_;
  bool skip_lf_ = false;         // the previous chunk ended in CR
  bool at_stream_start_ = true;  // a leading BOM is stripped once
  bool has_data_ = false;
  SseEvent pending_;
  size_t pending_bytes_ = 0;
  std::string last_event_id_;
};

}  // namespace cloister::net
