// Fuzzes the Server-Sent Events parser, which reads untrusted upstream
// servers. The first byte chooses where to split the rest into two feeds, so
// that state carried across pieces is exercised too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/sse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t split = data[0] % (input.size() + 1);
  cloister::net::SseParser parser({.max_line_bytes = 4096, .max_event_bytes = 16384});
  size_t total = 0;
  auto on_event = [&](const cloister::net::SseEvent& event) {
    total += event.data.size();
    // An event can never hold more than was fed in.
    if (total > input.size()) __builtin_trap();
    return true;
  };
  if (parser.feed(input.substr(0, split), on_event).ok()) {
    (void)parser.feed(input.substr(split), on_event);
  }
  parser.finish();
  return 0;
}
