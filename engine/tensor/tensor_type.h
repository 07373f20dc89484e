// The ggml tensor element types as they appear in GGUF files: their numeric
// ids, names, and block geometry. The table covers every type ggml defines so
// that the GGUF reader can validate any file; which types the engine can
// compute with is a separate question (see kernels/kernels.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cloister::engine {

// ggml's type ids (ggml.h, enum ggml_type). Gaps are ids ggml has retired.
enum class TensorType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
};

// How a type packs elements: `block_elements` consecutive values of a row are
// stored in `block_bytes` bytes.
struct TensorTypeTraits {
  TensorType type;
  std::string_view name;
  uint32_t block_elements;
  uint32_t block_bytes;
};

// Returns the traits of the type with GGUF id `id`, or nullopt if ggml defines
// no such type.
std::optional<TensorTypeTraits> tensor_type_traits(uint32_t id);

// Returns the traits of `type` (always defined for enumerators).
TensorTypeTraits traits_of(TensorType type);

// Returns ggml's name for `type`, e.g. "q4_K".
std::string_view tensor_type_name(TensorType type);

// Returns the type whose ggml name is `name` (case-insensitive), if any.
std::optional<TensorType> tensor_type_from_name(std::string_view name);

// Returns the bytes one row of `elements` values takes, or nullopt when
// `elements` is not a whole number of blocks or the size overflows.
std::optional<uint64_t> row_bytes(TensorType type, uint64_t elements);

}  // namespace cloister::engine
