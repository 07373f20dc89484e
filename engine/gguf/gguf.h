// GGUF files (versions 2 and 3, little-endian): metadata key-value pairs and
// tensor descriptions, parsed from a memory mapping with every count, offset,
// type, dimension and alignment checked against the file size. Tensor data is
// never copied: each tensor's bytes are a view into the mapping.
//
// Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/bytes.h"
#include "engine/gguf/mapped_file.h"
#include "engine/tensor/tensor_type.h"

namespace cloister::engine {

inline constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as little-endian u32
inline constexpr uint32_t kGgufDefaultAlignment = 32;
inline constexpr uint32_t kGgufMaxDims = 4;

enum class GgufValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

// Returns the GGUF spec's name for `type`, e.g. "uint32".
std::string_view gguf_value_type_name(GgufValueType type);

// One metadata value. Strings and arrays are views into the file's bytes.
class GgufValue {
 public:
  GgufValueType type() const { return type_; }

  // Integer value of any integer type, if it is representable.
  std::optional<uint64_t> as_uint() const;
  std::optional<int64_t> as_int() const;
  // Value of a float32 or float64 (or any integer type).
  std::optional<double> as_float() const;
  std::optional<bool> as_bool() const;
  std::optional<std::string_view> as_string() const;

  // Arrays: element type and count (0 and kUint8 for non-arrays).
  bool is_array() const { return type_ == GgufValueType::kArray; }
  GgufValueType element_type() const { return element_type_; }
  uint64_t array_size() const { return array_size_; }
  // The elements of a string array (empty for anything else).
  std::span<const std::string_view> strings() const { return strings_; }
  // The elements of a numeric array as doubles; nullopt for non-numeric values.
  std::optional<std::vector<double>> numbers() const;

 private:
  friend class GgufParser;

  GgufValueType type_ = GgufValueType::kUint8;
  GgufValueType element_type_ = GgufValueType::kUint8;
  uint64_t bits_ = 0;  // scalar payload, zero-extended little-endian bits
  std::string_view string_;
  uint64_t array_size_ = 0;
  std::vector<std::string_view> strings_;
  ByteSpan array_bytes_;  // numeric arrays: the packed little-endian elements
};

struct GgufKeyValue {
  std::string key;
  GgufValue value;
};

// One tensor: its shape (ne[0] is the innermost, contiguous dimension) and bytes.
struct GgufTensor {
  std::string name;
  TensorType type = TensorType::kF32;
  std::vector<uint64_t> dims;
  uint64_t offset = 0;  // relative to the start of the data section
  uint64_t elements = 0;
  ByteSpan data;  // exactly the tensor's bytes
};

class GgufFile {
 public:
  // Maps and parses the file at `path`.
  static Result<GgufFile> open(const std::filesystem::path& path);
  // Parses `bytes`, which the caller keeps alive as long as the result is used.
  static Result<GgufFile> parse(ByteSpan bytes);

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  // Absolute file offset of the tensor data section.
  uint64_t data_offset() const { return data_offset_; }
  uint64_t file_size() const { return file_size_; }
  // The mapping this file lives in (null when parsed from borrowed bytes).
  const std::shared_ptr<const MappedFile>& mapping() const { return mapping_; }

  const std::vector<GgufKeyValue>& metadata() const { return metadata_; }
  const std::vector<GgufTensor>& tensors() const { return tensors_; }

  // Returns the value stored under `key`, or null.
  const GgufValue* find(std::string_view key) const;
  // Returns the tensor named `name`, or null.
  const GgufTensor* find_tensor(std::string_view name) const;

  // Typed lookups: fail with kNotFound if absent, kMalformed if of the wrong type.
  Result<std::string_view> get_string(std::string_view key) const;
  Result<uint64_t> get_uint(std::string_view key) const;
  Result<double> get_float(std::string_view key) const;
  Result<bool> get_bool(std::string_view key) const;
  // Like the above, but an absent key yields `fallback`.
  Result<uint64_t> get_uint_or(std::string_view key, uint64_t fallback) const;
  Result<double> get_float_or(std::string_view key, double fallback) const;
  Result<bool> get_bool_or(std::string_view key, bool fallback) const;
  Result<std::string_view> get_string_or(std::string_view key, std::string_view fallback) const;

 private:
  friend class GgufParser;

  std::shared_ptr<const MappedFile> mapping_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  uint64_t file_size_ = 0;
  std::vector<GgufKeyValue> metadata_;
  std::vector<GgufTensor> tensors_;
  std::unordered_map<std::string, size_t> key_index_;
  std::unordered_map<std::string, size_t> tensor_index_;
};

}  // namespace cloister::engine
