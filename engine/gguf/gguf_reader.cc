// Parsing of GGUF files. Every field is read through ByteReader, and every
// count is checked against the bytes that remain before anything is reserved,
// so a hostile header cannot make the parser allocate or read out of bounds.
#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

#include "engine/gguf/gguf.h"

namespace cloister::engine {
namespace {

constexpr uint64_t kMaxStringBytes = uint64_t{1} << 30;

bool is_valid_value_type(uint32_t raw) {
  return raw <= static_cast<uint32_t>(GgufValueType::kFloat64);
}

// Bytes one scalar of `type` occupies, or 0 for strings and arrays.
size_t scalar_width(GgufValueType type) {
  switch (type) {
    case GgufValueType::kUint8:
    case GgufValueType::kInt8:
    case GgufValueType::kBool: return 1;
    case GgufValueType::kUint16:
    case GgufValueType::kInt16: return 2;
    case GgufValueType::kUint32:
    case GgufValueType::kInt32:
    case GgufValueType::kFloat32: return 4;
    case GgufValueType::kUint64:
    case GgufValueType::kInt64:
    case GgufValueType::kFloat64: return 8;
    case GgufValueType::kString:
    case GgufValueType::kArray: return 0;
  }
  return 0;
}

bool is_signed(GgufValueType type) {
  return type == GgufValueType::kInt8 || type == GgufValueType::kInt16 ||
         type == GgufValueType::kInt32 || type == GgufValueType::kInt64;
}

bool is_integer(GgufValueType type) {
  return is_signed(type) || type == GgufValueType::kUint8 || type == GgufValueType::kUint16 ||
         type == GgufValueType::kUint32 || type == GgufValueType::kUint64;
}

// Sign-extends the low `width` bytes of `bits`.
int64_t sign_extend(uint64_t bits, size_t width) {
  if (width == 8) return static_cast<int64_t>(bits);
  const unsigned shift = 64 - 8 * static_cast<unsigned>(width);
  return static_cast<int64_t>(bits << shift) >> shift;
}

double bits_to_double(GgufValueType type, uint64_t bits) {
  switch (type) {
    case GgufValueType::kFloat32: return std::bit_cast<float>(static_cast<uint32_t>(bits));
    case GgufValueType::kFloat64: return std::bit_cast<double>(bits);
    default:
      if (is_signed(type)) return static_cast<double>(sign_extend(bits, scalar_width(type)));
      return static_cast<double>(bits);
  }
}

uint64_t load_le(ByteSpan bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes.size(); ++i) v |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  return v;
}

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

}  // namespace

std::string_view gguf_value_type_name(GgufValueType type) {
  switch (type) {
    case GgufValueType::kUint8: return "uint8";
    case GgufValueType::kInt8: return "int8";
    case GgufValueType::kUint16: return "uint16";
    case GgufValueType::kInt16: return "int16";
    case GgufValueType::kUint32: return "uint32";
    case GgufValueType::kInt32: return "int32";
    case GgufValueType::kFloat32: return "float32";
    case GgufValueType::kBool: return "bool";
    case GgufValueType::kString: return "string";
    case GgufValueType::kArray: return "array";
    case GgufValueType::kUint64: return "uint64";
    case GgufValueType::kInt64: return "int64";
    case GgufValueType::kFloat64: return "float64";
  }
  return "unknown";
}

std::optional<uint64_t> GgufValue::as_uint() const {
  if (!is_integer(type_)) return std::nullopt;
  if (is_signed(type_)) {
    int64_t v = sign_extend(bits_, scalar_width(type_));
    if (v < 0) return std::nullopt;
    return static_cast<uint64_t>(v);
  }
  return bits_;
}

std::optional<int64_t> GgufValue::as_int() const {
  if (!is_integer(type_)) return std::nullopt;
  if (is_signed(type_)) return sign_extend(bits_, scalar_width(type_));
  if (bits_ > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(bits_);
}

std::optional<double> GgufValue::as_float() const {
  if (!is_integer(type_) && type_ != GgufValueType::kFloat32 && type_ != GgufValueType::kFloat64) {
    return std::nullopt;
  }
  return bits_to_double(type_, bits_);
}

std::optional<bool> GgufValue::as_bool() const {
  if (type_ != GgufValueType::kBool) return std::nullopt;
  return bits_ != 0;
}

std::optional<std::string_view> GgufValue::as_string() const {
  if (type_ != GgufValueType::kString) return std::nullopt;
  return string_;
}

std::optional<std::vector<double>> GgufValue::numbers() const {
  if (!is_array()) return std::nullopt;
  size_t width = scalar_width(element_type_);
  if (width == 0) return std::nullopt;
  std::vector<double> out;
  out.reserve(array_size_);
  for (uint64_t i = 0; i < array_size_; ++i) {
    out.push_back(bits_to_double(element_type_, load_le(array_bytes_.subspan(i * width, width))));
  }
  return out;
}

// Reads one GGUF file front to back.
class GgufParser {
 public:
  explicit GgufParser(ByteSpan bytes) : bytes_(bytes), reader_(bytes) {}

  Result<GgufFile> parse() {
    GgufFile file;
    file.file_size_ = bytes_.size();
    CLOISTER_ASSIGN_OR_RETURN(uint32_t magic, reader_.read_u32le("magic"));
    if (magic != kGgufMagic) {
      return Error(ErrorCode::kMalformed, "not a GGUF file: the magic bytes are not \"GGUF\"");
    }
    CLOISTER_ASSIGN_OR_RETURN(file.version_, reader_.read_u32le("version"));
    if (file.version_ == 1) {
      return Error(ErrorCode::kUnsupported, "GGUF version 1 is not supported (only 2 and 3)");
    }
    if (file.version_ != 2 && file.version_ != 3) {
      return Error(ErrorCode::kUnsupported, "unsupported GGUF version " +
                                                std::to_string(file.version_) +
                                                " (only 2 and 3, little-endian, are supported)");
    }
    CLOISTER_ASSIGN_OR_RETURN(uint64_t tensor_count, reader_.read_u64le("tensor count"));
    CLOISTER_ASSIGN_OR_RETURN(uint64_t kv_count, reader_.read_u64le("metadata count"));
    // Each pair needs at least a key length (8) and a value type (4); each
    // tensor at least a name length, n_dims, one dim, a type and an offset.
    CLOISTER_TRY(check_count(kv_count, 12, "metadata count"));
    CLOISTER_TRY(check_count(tensor_count, 32, "tensor count"));

    file.metadata_.reserve(kv_count);
    for (uint64_t i = 0; i < kv_count; ++i) {
      CLOISTER_ASSIGN_OR_RETURN(GgufKeyValue kv, read_key_value(i));
      if (!file.key_index_.emplace(kv.key, file.metadata_.size()).second) {
        return Error(ErrorCode::kMalformed, "metadata key " + in_quotes(kv.key) + " appears twice");
      }
      file.metadata_.push_back(std::move(kv));
    }
    CLOISTER_TRY(read_alignment(file));

    file.tensors_.reserve(tensor_count);
    for (uint64_t i = 0; i < tensor_count; ++i) {
      CLOISTER_ASSIGN_OR_RETURN(GgufTensor tensor, read_tensor_info(i, file.alignment_));
      if (!file.tensor_index_.emplace(tensor.name, file.tensors_.size()).second) {
        return Error(ErrorCode::kMalformed, "tensor " + in_quotes(tensor.name) + " appears twice");
      }
      file.tensors_.push_back(std::move(tensor));
    }

    uint64_t header_end = reader_.offset();
    file.data_offset_ = (header_end + file.alignment_ - 1) / file.alignment_ * file.alignment_;
    CLOISTER_TRY(place_tensors(file));
    return file;
  }

 private:
  Status check_count(uint64_t count, uint64_t min_bytes_each, std::string_view what) const {
    if (count > reader_.remaining() / min_bytes_each) {
      return Error(ErrorCode::kMalformed, std::string(what) + " " + std::to_string(count) +
                                              " is impossible: the file has only " +
                                              std::to_string(reader_.remaining()) + " bytes left");
    }
    return ok_status();
  }

  Result<std::string_view> read_string(std::string_view what) {
    CLOISTER_ASSIGN_OR_RETURN(uint64_t length, reader_.read_u64le(what));
    if (length > kMaxStringBytes || length > reader_.remaining()) {
      return reader_.malformed(
          what, "string length " + std::to_string(length) + " exceeds the bytes left in the file");
    }
    CLOISTER_ASSIGN_OR_RETURN(ByteSpan raw, reader_.read_bytes(length, what));
    return std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size());
  }

  Result<GgufValueType> read_value_type(const std::string& what) {
    CLOISTER_ASSIGN_OR_RETURN(uint32_t raw, reader_.read_u32le(what));
    if (!is_valid_value_type(raw)) {
      return reader_.malformed(what, "unknown value type " + std::to_string(raw));
    }
    return static_cast<GgufValueType>(raw);
  }

  Result<uint64_t> read_scalar_bits(GgufValueType type, const std::string& what) {
    CLOISTER_ASSIGN_OR_RETURN(ByteSpan raw, reader_.read_bytes(scalar_width(type), what));
    uint64_t bits = load_le(raw);
    if (type == GgufValueType::kBool && bits > 1) {
      return Error(ErrorCode::kMalformed, what + " is a bool holding " + std::to_string(bits));
    }
    return bits;
  }

  Result<GgufKeyValue> read_key_value(uint64_t index) {
    GgufKeyValue kv;
    std::string label = "metadata entry " + std::to_string(index);
    CLOISTER_ASSIGN_OR_RETURN(std::string_view key, read_string(label + " key"));
    if (key.empty()) return Error(ErrorCode::kMalformed, label + " has an empty key");
    kv.key = std::string(key);
    std::string what = "metadata " + in_quotes(kv.key);
    CLOISTER_ASSIGN_OR_RETURN(kv.value.type_, read_value_type(what + " type"));
    GgufValue& value = kv.value;
    switch (value.type_) {
      case GgufValueType::kString: {
        CLOISTER_ASSIGN_OR_RETURN(value.string_, read_string(what));
        break;
      }
      case GgufValueType::kArray: {
        CLOISTER_TRY(read_array(value, what));
        break;
      }
      default: {
        CLOISTER_ASSIGN_OR_RETURN(value.bits_, read_scalar_bits(value.type_, what));
        break;
      }
    }
    return kv;
  }

  Status read_array(GgufValue& value, const std::string& what) {
    CLOISTER_ASSIGN_OR_RETURN(value.element_type_, read_value_type(what + " element type"));
    CLOISTER_ASSIGN_OR_RETURN(value.array_size_, reader_.read_u64le(what + " element count"));
    if (value.element_type_ == GgufValueType::kArray) {
      return Error(ErrorCode::kUnsupported, what + " is an array of arrays");
    }
    if (value.element_type_ == GgufValueType::kString) {
      CLOISTER_TRY(check_count(value.array_size_, 8, what + " element count"));
      value.strings_.reserve(value.array_size_);
      for (uint64_t i = 0; i < value.array_size_; ++i) {
        CLOISTER_ASSIGN_OR_RETURN(std::string_view s,
                                  read_string(what + " element " + std::to_string(i)));
        value.strings_.push_back(s);
      }
      return ok_status();
    }
    size_t width = scalar_width(value.element_type_);
    CLOISTER_TRY(check_count(value.array_size_, width, what + " element count"));
    CLOISTER_ASSIGN_OR_RETURN(value.array_bytes_,
                              reader_.read_bytes(value.array_size_ * width, what + " elements"));
    if (value.element_type_ == GgufValueType::kBool) {
      for (uint8_t b : value.array_bytes_) {
        if (b > 1) return Error(ErrorCode::kMalformed, what + " holds a bool that is not 0 or 1");
      }
    }
    return ok_status();
  }

  static Status read_alignment(GgufFile& file) {
    const GgufValue* value = file.find("general.alignment");
    if (value == nullptr) return ok_status();
    if (value->type() != GgufValueType::kUint32) {
      return Error(ErrorCode::kMalformed, "general.alignment must be a uint32, not " +
                                              std::string(gguf_value_type_name(value->type())));
    }
    uint64_t alignment = *value->as_uint();
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
      return Error(ErrorCode::kMalformed,
                   "general.alignment " + std::to_string(alignment) + " is not a power of two");
    }
    file.alignment_ = static_cast<uint32_t>(alignment);
    return ok_status();
  }

  Result<GgufTensor> read_tensor_info(uint64_t index, uint32_t alignment) {
    GgufTensor tensor;
    std::string label = "tensor " + std::to_string(index);
    CLOISTER_ASSIGN_OR_RETURN(std::string_view name, read_string(label + " name"));
    if (name.empty()) return Error(ErrorCode::kMalformed, label + " has an empty name");
    tensor.name = std::string(name);
    std::string what = "tensor " + in_quotes(tensor.name);

    CLOISTER_ASSIGN_OR_RETURN(uint32_t n_dims, reader_.read_u32le(what + " dimension count"));
    if (n_dims == 0 || n_dims > kGgufMaxDims) {
      return Error(ErrorCode::kMalformed,
                   what + " has " + std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
    }
    tensor.elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      CLOISTER_ASSIGN_OR_RETURN(uint64_t dim,
                                reader_.read_u64le(what + " dimension " + std::to_string(d)));
      if (dim > static_cast<uint64_t>(INT64_MAX)) {
        return Error(ErrorCode::kMalformed,
                     what + " dimension " + std::to_string(d) + " is out of range");
      }
      if (dim != 0 && tensor.elements > static_cast<uint64_t>(INT64_MAX) / dim) {
        return Error(ErrorCode::kMalformed, what + " has more elements than fit in 63 bits");
      }
      tensor.elements *= dim;
      tensor.dims.push_back(dim);
    }

    CLOISTER_ASSIGN_OR_RETURN(uint32_t type_id, reader_.read_u32le(what + " type"));
    std::optional<TensorTypeTraits> traits = tensor_type_traits(type_id);
    if (!traits) {
      return Error(ErrorCode::kMalformed, what + " has unknown type id " + std::to_string(type_id));
    }
    tensor.type = traits->type;
    if (tensor.dims[0] % traits->block_elements != 0) {
      return Error(ErrorCode::kMalformed, what + " row length " + std::to_string(tensor.dims[0]) +
                                              " is not a multiple of the " +
                                              std::string(traits->name) + " block size " +
                                              std::to_string(traits->block_elements));
    }
    CLOISTER_ASSIGN_OR_RETURN(tensor.offset, reader_.read_u64le(what + " offset"));
    if (tensor.offset % alignment != 0) {
      return Error(ErrorCode::kMalformed, what + " offset " + std::to_string(tensor.offset) +
                                              " is not a multiple of the alignment " +
                                              std::to_string(alignment));
    }
    return tensor;
  }

  // Checks that every tensor's bytes lie inside the data section without
  // overlapping another tensor, and points each tensor at its bytes.
  Status place_tensors(GgufFile& file) const {
    if (file.tensors_.empty()) return ok_status();
    if (file.data_offset_ > bytes_.size()) {
      return Error(ErrorCode::kMalformed,
                   "the tensor data section starts at offset " + std::to_string(file.data_offset_) +
                       ", past the end of the file (" + std::to_string(bytes_.size()) + " bytes)");
    }
    const uint64_t data_size = bytes_.size() - file.data_offset_;
    std::vector<std::pair<uint64_t, uint64_t>> extents;  // [offset, end) of each tensor
    extents.reserve(file.tensors_.size());
    for (GgufTensor& tensor : file.tensors_) {
      std::string what = "tensor " + in_quotes(tensor.name);
      uint64_t rows = tensor.dims[0] == 0 ? 0 : tensor.elements / tensor.dims[0];
      std::optional<uint64_t> per_row = row_bytes(tensor.type, tensor.dims[0]);
      if (!per_row || (rows != 0 && *per_row > UINT64_MAX / rows)) {
        return Error(ErrorCode::kMalformed, what + " byte size overflows");
      }
      uint64_t size = *per_row * rows;
      if (tensor.offset > data_size || size > data_size - tensor.offset) {
        return Error(ErrorCode::kMalformed,
                     what + " needs bytes [" + std::to_string(tensor.offset) + ", " +
                         std::to_string(tensor.offset) + "+" + std::to_string(size) +
                         ") of the data section, which has only " + std::to_string(data_size) +
                         " bytes (file truncated?)");
      }
      tensor.data = bytes_.subspan(file.data_offset_ + tensor.offset, size);
      extents.emplace_back(tensor.offset, tensor.offset + size);
    }
    std::vector<size_t> order(extents.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return extents[a] < extents[b]; });
    for (size_t i = 1; i < order.size(); ++i) {
      const auto& previous = extents[order[i - 1]];
      const auto& current = extents[order[i]];
      if (current.first < previous.second && current.first != current.second &&
          previous.first != previous.second) {
        return Error(ErrorCode::kMalformed,
                     "tensors " + in_quotes(file.tensors_[order[i - 1]].name) + " and " +
                         in_quotes(file.tensors_[order[i]].name) + " overlap");
      }
    }
    return ok_status();
  }

  ByteSpan bytes_;
  ByteReader reader_;
};

Result<GgufFile> GgufFile::parse(ByteSpan bytes) { return GgufParser(bytes).parse(); }

Result<GgufFile> GgufFile::open(const std::filesystem::path& path) {
  CLOISTER_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> mapping, MappedFile::open(path));
  Result<GgufFile> file = parse(mapping->bytes());
  if (!file.ok()) return file.error().with_context(path.string());
  file->mapping_ = std::move(mapping);
  return file;
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = key_index_.find(std::string(key));
  return it == key_index_.end() ? nullptr : &metadata_[it->second].value;
}

const GgufTensor* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(std::string(name));
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {

Error missing_key(std::string_view key) {
  return Error(ErrorCode::kNotFound, "metadata key '" + std::string(key) + "' is missing");
}

Error wrong_type(std::string_view key, const GgufValue& value, std::string_view wanted) {
  return Error(ErrorCode::kMalformed, "metadata key '" + std::string(key) + "' should be " +
                                          std::string(wanted) + " but is " +
                                          std::string(gguf_value_type_name(value.type())));
}

}  // namespace

Result<std::string_view> GgufFile::get_string(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr) return missing_key(key);
  std::optional<std::string_view> s = value->as_string();
  if (!s) return wrong_type(key, *value, "a string");
  return *s;
}

Result<uint64_t> GgufFile::get_uint(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr) return missing_key(key);
  std::optional<uint64_t> v = value->as_uint();
  if (!v) return wrong_type(key, *value, "a non-negative integer");
  return *v;
}

Result<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr) return missing_key(key);
  std::optional<double> v = value->as_float();
  if (!v) return wrong_type(key, *value, "a number");
  return *v;
}

Result<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* value = find(key);
  if (value == nullptr) return missing_key(key);
  std::optional<bool> v = value->as_bool();
  if (!v) return wrong_type(key, *value, "a bool");
  return *v;
}

Result<uint64_t> GgufFile::get_uint_or(std::string_view key, uint64_t fallback) const {
  if (find(key) == nullptr) return fallback;
  return get_uint(key);
}

Result<double> GgufFile::get_float_or(std::string_view key, double fallback) const {
  if (find(key) == nullptr) return fallback;
  return get_float(key);
}

Result<bool> GgufFile::get_bool_or(std::string_view key, bool fallback) const {
  if (find(key) == nullptr) return fallback;
  return get_bool(key);
}

Result<std::string_view> GgufFile::get_string_or(std::string_view key,
                                                 std::string_view fallback) const {
  if (find(key) == nullptr) return fallback;
  return get_string(key);
}

}  // namespace cloister::engine
