// Streams generated text while watching for stop strings: text that might be
// the start of a stop string, or an incomplete UTF-8 character, is held back
// until it is known to be safe to emit.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cloister::engine {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);

  // Adds generated text and returns the part that can be emitted now. When a
  // stop string completes, returns the text before it and sets stopped().
  std::string push(std::string_view text);

  // Returns whatever is still held back (at the end of generation).
  std::string flush();

  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  bool stopped_ = false;
};

}  // namespace cloister::engine
