// Fuzzes canonical JSON and manifest parsing: anything accepted must already
// be canonical, so re-encoding it yields exactly the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "tlog/canonical_json.h"
#include "tlog/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister;
  ByteSpan input(data, size);
  if (auto value = tlog::parse_canonical_json(input); value.ok()) {
    auto again = tlog::canonical_json(*value);
    if (!again.ok() || *again != to_string(input)) std::abort();
  }
  if (auto manifest = tlog::parse_manifest(input); manifest.ok()) {
    auto again = tlog::encode_manifest(*manifest);
    if (!again.ok() || *again != to_string(input)) std::abort();
  }
  return 0;
}
