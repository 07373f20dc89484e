#include "net/sse.h"

#include <charconv>

namespace cloister::net {
namespace {

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.push_back('\n');
}

std::string without_line_breaks(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (c != '\r' && c != '\n') clean.push_back(c);
  }
  return clean;
}

bool is_ascii_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

}  // namespace

std::string format_sse_event(const SseEvent& event) {
  std::string out;
  out.reserve(event.data.size() + 32);
  if (!event.event.empty()) append_field(out, "event", without_line_breaks(event.event));
  if (!event.id.empty()) append_field(out, "id", without_line_breaks(event.id));
  if (event.retry_ms) append_field(out, "retry", std::to_string(*event.retry_ms));
  // Every line of the data becomes its own field, whatever its line ending.
  std::string_view data = event.data;
  while (true) {
    size_t end = data.find_first_of("\r\n");
    append_field(out, "data", data.substr(0, end));
    if (end == std::string_view::npos) break;
    size_t skip = (data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1;
    data.remove_prefix(end + skip);
  }
  out.push_back('\n');
  return out;
}

Status SseParser::feed(std::string_view chunk, const EventHandler& on_event) {
  for (char c : chunk) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = (c == '\r');
      std::string line = std::move(line_);
      line_.clear();
      CLOISTER_TRY(process_line(line, on_event));
      continue;
    }
    if (line_.size() >= limits_.max_line_bytes) {
      return Error(
          ErrorCode::kResourceExhausted,
          "event stream line is longer than " + std::to_string(limits_.max_line_bytes) + " bytes");
    }
    line_.push_back(c);
    if (at_stream_start_ && line_.size() == kByteOrderMark.size()) {
      at_stream_start_ = false;
      if (line_ == kByteOrderMark) line_.clear();
    }
  }
  return ok_status();
}

void SseParser::finish() {
  line_.clear();
  pending_ = SseEvent{};
  pending_bytes_ = 0;
  has_data_ = false;
}

Status SseParser::process_line(std::string_view line, const EventHandler& on_event) {
  at_stream_start_ = false;
  if (line.empty()) return dispatch(on_event);
  if (line.front() == ':') return ok_status();  // a comment (often a keep-alive)

  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }

  pending_bytes_ += line.size();
  if (pending_bytes_ > limits_.max_event_bytes) {
    return Error(
        ErrorCode::kResourceExhausted,
        "event stream event is larger than " + std::to_string(limits_.max_event_bytes) + " bytes");
  }
  if (field == "data") {
    if (has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
  } else if (field == "id") {
    // An id holding NUL is ignored, per the standard.
    if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
  } else if (field == "retry") {
    uint64_t retry = 0;
    if (is_ascii_digits(value)) {
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), retry);
      if (error == std::errc()) pending_.retry_ms = retry;
    }
  }
  // Unknown fields are ignored.
  return ok_status();
}

Status SseParser::dispatch(const EventHandler& on_event) {
  SseEvent event = std::move(pending_);
  bool has_data = has_data_;
  pending_ = SseEvent{};
  pending_bytes_ = 0;
  has_data_ = false;
  if (!has_data) return ok_status();  // nothing to dispatch, per the standard
  event.id = last_event_id_;
  if (!on_event(event)) return Error(ErrorCode::kCancelled, "event stream handler stopped");
  return ok_status();
}

}  // namespace cloister::net
