// Fuzzes the parser of an upstream engine's streamed chunks.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "enclave/upstream_chunk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister::enclave;
  auto chunk = parse_upstream_chunk(std::string_view(reinterpret_cast<const char*>(data), size));
  if (chunk.ok() && to_valid_utf8(chunk->content) != chunk->content) __builtin_trap();
  return 0;
}
