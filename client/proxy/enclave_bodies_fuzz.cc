// Fuzzes the parsers of what the enclave sends the proxy (response-start,
// stream-delta, response-end and model-list bodies) and the request wrapper.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "client/proxy/openai_translation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  using namespace cloister::client::proxy;
  auto start = parse_start(body);
  (void)parse_delta(body);
  auto end = parse_end(body);
  (void)models_list(body);
  (void)wrap_chat_request(body);
  if (start.ok() && end.ok()) {
    (void)completion_object(*start, *end);
    (void)finish_chunk(*start, *end, true);
    (void)usage_chunk(*start, *end);
  }
  return 0;
}
