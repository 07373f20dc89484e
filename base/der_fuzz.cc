// Fuzzes the DER walker in ByteReader: any input must parse or fail cleanly.
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"

namespace {

void walk(cloister::ByteReader reader, int depth) {
  while (!reader.empty() && depth < 16) {
    cloister::ByteReader before = reader;
    auto element = reader.read_der_any("element");
    if (!element.ok()) return;
    if (element->tag & 0x20) {  // constructed: descend
      walk(element->contents, depth + 1);
    } else if (element->tag == 0x02) {
      (void)before.read_der_uint64("integer");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  walk(cloister::ByteReader({data, size}), 0);
  return 0;
}
