#include "engine/gguf/gguf_writer.h"

#include <bit>

#include "base/files.h"

namespace cloister::engine {
namespace {

void put_string(ByteWriter& out, std::string_view text) {
  out.put_u64le(text.size());
  out.put_string(text);
}

uint64_t align_up(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

}  // namespace

GgufWriter::GgufWriter(uint32_t alignment, uint32_t version)
    : alignment_(alignment), version_(version) {
  if (alignment_ != kGgufDefaultAlignment) set_uint32("general.alignment", alignment_);
}

ByteWriter& GgufWriter::begin_pair(std::string_view key, GgufValueType type) {
  ++kv_count_;
  put_string(metadata_, key);
  metadata_.put_u32le(static_cast<uint32_t>(type));
  return metadata_;
}

void GgufWriter::set_uint8(std::string_view key, uint8_t value) {
  begin_pair(key, GgufValueType::kUint8).put_u8(value);
}
void GgufWriter::set_int8(std::string_view key, int8_t value) {
  begin_pair(key, GgufValueType::kInt8).put_u8(static_cast<uint8_t>(value));
}
void GgufWriter::set_uint16(std::string_view key, uint16_t value) {
  begin_pair(key, GgufValueType::kUint16).put_u16le(value);
}
void GgufWriter::set_int16(std::string_view key, int16_t value) {
  begin_pair(key, GgufValueType::kInt16).put_u16le(static_cast<uint16_t>(value));
}
void GgufWriter::set_uint32(std::string_view key, uint32_t value) {
  begin_pair(key, GgufValueType::kUint32).put_u32le(value);
}
void GgufWriter::set_int32(std::string_view key, int32_t value) {
  begin_pair(key, GgufValueType::kInt32).put_u32le(static_cast<uint32_t>(value));
}
void GgufWriter::set_uint64(std::string_view key, uint64_t value) {
  begin_pair(key, GgufValueType::kUint64).put_u64le(value);
}
void GgufWriter::set_int64(std::string_view key, int64_t value) {
  begin_pair(key, GgufValueType::kInt64).put_u64le(static_cast<uint64_t>(value));
}
void GgufWriter::set_float32(std::string_view key, float value) {
  begin_pair(key, GgufValueType::kFloat32).put_u32le(std::bit_cast<uint32_t>(value));
}
void GgufWriter::set_float64(std::string_view key, double value) {
  begin_pair(key, GgufValueType::kFloat64).put_u64le(std::bit_cast<uint64_t>(value));
}
void GgufWriter::set_bool(std::string_view key, bool value) {
  begin_pair(key, GgufValueType::kBool).put_u8(value ? 1 : 0);
}
void GgufWriter::set_string(std::string_view key, std::string_view value) {
  put_string(begin_pair(key, GgufValueType::kString), value);
}

void GgufWriter::set_string_array(std::string_view key, std::span<const std::string> values) {
  ByteWriter& out = begin_pair(key, GgufValueType::kArray);
  out.put_u32le(static_cast<uint32_t>(GgufValueType::kString));
  out.put_u64le(values.size());
  for (const std::string& value : values) put_string(out, value);
}

void GgufWriter::set_float32_array(std::string_view key, std::span<const float> values) {
  ByteWriter& out = begin_pair(key, GgufValueType::kArray);
  out.put_u32le(static_cast<uint32_t>(GgufValueType::kFloat32));
  out.put_u64le(values.size());
  for (float value : values) out.put_u32le(std::bit_cast<uint32_t>(value));
}

void GgufWriter::set_int32_array(std::string_view key, std::span<const int32_t> values) {
  ByteWriter& out = begin_pair(key, GgufValueType::kArray);
  out.put_u32le(static_cast<uint32_t>(GgufValueType::kInt32));
  out.put_u64le(values.size());
  for (int32_t value : values) out.put_u32le(static_cast<uint32_t>(value));
}

Status GgufWriter::add_tensor(std::string_view name, TensorType type,
                              std::span<const uint64_t> dims, ByteSpan data) {
  if (dims.empty() || dims.size() > kGgufMaxDims) {
    return Error(ErrorCode::kInvalidArgument, "tensor needs 1 to 4 dimensions");
  }
  uint64_t rows = 1;
  for (size_t i = 1; i < dims.size(); ++i) rows *= dims[i];
  std::optional<uint64_t> per_row = row_bytes(type, dims[0]);
  if (!per_row || *per_row * rows != data.size()) {
    return Error(ErrorCode::kInvalidArgument,
                 "tensor '" + std::string(name) + "' data has " + std::to_string(data.size()) +
                     " bytes, which does not match its shape and type");
  }
  tensors_.push_back({std::string(name), type, {dims.begin(), dims.end()}, to_bytes(data)});
  return ok_status();
}

Bytes GgufWriter::finish() const {
  ByteWriter out;
  out.put_u32le(kGgufMagic);
  out.put_u32le(version_);
  out.put_u64le(tensors_.size());
  out.put_u64le(kv_count_);
  out.put_bytes(metadata_.data());
  uint64_t offset = 0;
  for (const PendingTensor& tensor : tensors_) {
    put_string(out, tensor.name);
    out.put_u32le(static_cast<uint32_t>(tensor.dims.size()));
    for (uint64_t dim : tensor.dims) out.put_u64le(dim);
    out.put_u32le(static_cast<uint32_t>(tensor.type));
    out.put_u64le(offset);
    offset = align_up(offset + tensor.data.size(), alignment_);
  }
  out.put_zeros(align_up(out.size(), alignment_) - out.size());
  for (const PendingTensor& tensor : tensors_) {
    out.put_bytes(tensor.data);
    out.put_zeros(align_up(tensor.data.size(), alignment_) - tensor.data.size());
  }
  return out.take();
}

Status GgufWriter::write(const std::filesystem::path& path) const {
  return write_file_atomically(path, finish());
}

}  // namespace cloister::engine
