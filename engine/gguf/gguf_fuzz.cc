// libFuzzer target: GGUF parsing must reject or accept any bytes without
// crashing, and an accepted file's tensors must lie inside the input.
#include <cstdint>
#include <cstdlib>

#include "engine/gguf/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using cloister::engine::GgufFile;
  cloister::Result<GgufFile> file = GgufFile::parse({data, size});
  if (!file.ok()) return 0;
  for (const auto& tensor : file->tensors()) {
    if (tensor.data.data() < data || tensor.data.data() + tensor.data.size() > data + size) {
      std::abort();
    }
  }
  for (const auto& kv : file->metadata()) {
    if (kv.value.is_array()) (void)kv.value.numbers();
    (void)kv.value.as_string();
    (void)kv.value.as_float();
  }
  return 0;
}
