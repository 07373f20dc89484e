#include "enclave/event_log.h"

#include <unistd.h>

#include <cstdio>

namespace cloister::enclave {
namespace {

bool needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  for (char c : text) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

void append_text(std::string& line, std::string_view text) {
  if (!needs_quotes(text)) {
    line += text;
    return;
  }
  line += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') {
      line += '\\';
      line += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      line += ' ';
    } else {
      line += c;
    }
  }
  line += '"';
}

}  // namespace

void LogField::append_to(std::string& line) const {
  line += ' ';
  line += key_;
  line += '=';
  std::visit(
      [&](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, bool>) {
          line += value ? "true" : "false";
        } else if constexpr (std::is_same_v<T, StaticText>) {
          append_text(line, value.view());
        } else if constexpr (std::is_same_v<T, std::string>) {
          append_text(line, value);
        } else if constexpr (std::is_same_v<T, double>) {
          char buffer[32];
          std::snprintf(buffer, sizeof buffer, "%.6g", value);
          line += buffer;
        } else {
          line += std::to_string(value);
        }
      },
      value_);
}

void log_event(StaticText event, std::initializer_list<LogField> fields) {
  std::string line = "cloister-enclave: event=";
  line += event.view();
  for (const LogField& field : fields) field.append_to(line);
  line += '\n';
  // One write per line, so that lines from different threads never interleave.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + written, line.size() - written);
    if (n <= 0) return;
    written += static_cast<size_t>(n);
  }
}

}  // namespace cloister::enclave
