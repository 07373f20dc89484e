// The enclave's log: one logfmt line per event on stderr, and nothing else.
// Its API cannot carry content: a field's value is a number, or text the
// program itself wrote (a string literal, or a name from one of its own
// tables). Configuration values (paths, addresses) may be logged only at boot,
// through LogField::config, before any session exists.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

namespace cloister::enclave {

// Text that the program wrote, never the client: a string literal, or a name
// returned by one of the program's own tables (error_code_name, ...).
class StaticText {
 public:
  template <size_t N>
  consteval StaticText(const char (&literal)[N]) : text_(literal, N - 1) {}  // NOLINT: implicit
  // For names from the program's own tables of fixed strings.
  static StaticText from_table(std::string_view name) { return StaticText(name, 0); }
  std::string_view view() const { return text_; }

 private:
  StaticText(std::string_view text, int /*tag*/) : text_(text) {}
  std::string_view text_;
};

class LogField {
 public:
  LogField(std::string_view key, int64_t value) : key_(key), value_(value) {}
  LogField(std::string_view key, uint64_t value) : key_(key), value_(value) {}
  LogField(std::string_view key, int value) : key_(key), value_(int64_t{value}) {}
  LogField(std::string_view key, unsigned value) : key_(key), value_(uint64_t{value}) {}
  LogField(std::string_view key, double value) : key_(key), value_(value) {}
  // Exactly bool: a string literal must not turn into one.
  template <typename Bool>
  requires std::same_as<Bool, bool> LogField(std::string_view key, Bool value)
      : key_(key), value_(value) {}
  LogField(std::string_view key, StaticText value) : key_(key), value_(value) {}

  // A configuration value, for boot lines only.
  static LogField config(std::string_view key, std::string value) {
    LogField field(key, StaticText(""));
    field.value_ = std::move(value);
    return field;
  }

  // Appends " key=value" to `line`, quoting text that needs it.
  void append_to(std::string& line) const;

 private:
  std::string_view key_;
  std::variant<int64_t, uint64_t, double, bool, StaticText, std::string> value_;
};

// Writes "cloister-enclave: event=<event> key=value ..." to stderr, whole.
void log_event(StaticText event, std::initializer_list<LogField> fields = {});

}  // namespace cloister::enclave
