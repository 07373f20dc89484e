// Writes GGUF v3 files. Tests use it to build fixtures (random-weight models
// of every architecture and tensor type, and malformed files); the format is
// the one GgufFile reads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "engine/gguf/gguf.h"

namespace cloister::engine {

class GgufWriter {
 public:
  // `alignment` must be a power of two; if it is not the default of 32, the
  // writer records it as general.alignment.
  explicit GgufWriter(uint32_t alignment = kGgufDefaultAlignment, uint32_t version = 3);

  // Metadata setters append one key-value pair each (keys must be unique).
  void set_uint8(std::string_view key, uint8_t value);
  void set_int8(std::string_view key, int8_t value);
  void set_uint16(std::string_view key, uint16_t value);
  void set_int16(std::string_view key, int16_t value);
  void set_uint32(std::string_view key, uint32_t value);
  void set_int32(std::string_view key, int32_t value);
  void set_uint64(std::string_view key, uint64_t value);
  void set_int64(std::string_view key, int64_t value);
  void set_float32(std::string_view key, float value);
  void set_float64(std::string_view key, double value);
  void set_bool(std::string_view key, bool value);
  void set_string(std::string_view key, std::string_view value);
  void set_string_array(std::string_view key, std::span<const std::string> values);
  void set_float32_array(std::string_view key, std::span<const float> values);
  void set_int32_array(std::string_view key, std::span<const int32_t> values);

  // Adds a tensor whose shape is `dims` (innermost first) and whose bytes are
  // `data`. Fails if `data` does not hold exactly that shape in `type`.
  Status add_tensor(std::string_view name, TensorType type, std::span<const uint64_t> dims,
                    ByteSpan data);

  // Returns the complete file.
  Bytes finish() const;
  // Writes the complete file to `path` atomically.
  Status write(const std::filesystem::path& path) const;

 private:
  struct PendingTensor {
    std::string name;
    TensorType type;
    std::vector<uint64_t> dims;
    Bytes data;
  };

  ByteWriter& begin_pair(std::string_view key, GgufValueType type);

  uint32_t alignment_;
  uint32_t version_;
  uint64_t kv_count_ = 0;
  ByteWriter metadata_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace cloister::engine
