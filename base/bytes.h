// Bounded reading and building of byte strings, in the spirit of BoringSSL's
// CBS/CBB. Every parser of untrusted bytes goes through ByteReader: each read
// checks that enough bytes remain, and either advances or fails with an error
// naming the field and the offset. Nothing indexes a raw buffer by hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cloister {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

// Returns a view of the characters of `text` as bytes.
inline ByteSpan as_bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// Returns the bytes of `data` as a std::string (no decoding).
inline std::string to_string(ByteSpan data) {
  return {reinterpret_cast<const char*>(data.data()), data.size()};
}

// Returns a copy of `data`.
inline Bytes to_bytes(ByteSpan data) { return {data.begin(), data.end()}; }

// Returns a copy of the characters of `text`.
inline Bytes to_bytes(std::string_view text) { return to_bytes(as_bytes(text)); }

// One DER element: its (single-byte) tag and its contents.
struct DerElement;

// A read cursor over borrowed bytes. Reads consume bytes from the front; a
// failed read consumes nothing. `what` names the field in error messages.
class ByteReader {
 public:
  explicit ByteReader(ByteSpan data, size_t origin = 0) : data_(data), origin_(origin) {}

  // Returns how many unread bytes are left.
  size_t remaining() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  // Returns the absolute offset of the next byte within the outermost input.
  size_t offset() const { return origin_; }
  // Returns the unread bytes without consuming them.
  ByteSpan peek_rest() const { return data_; }

  Result<uint8_t> read_u8(std::string_view what);
  Result<uint16_t> read_u16le(std::string_view what);
  Result<uint16_t> read_u16be(std::string_view what);
  Result<uint32_t> read_u24be(std::string_view what);
  Result<uint32_t> read_u32le(std::string_view what);
  Result<uint32_t> read_u32be(std::string_view what);
  Result<uint64_t> read_u64le(std::string_view what);
  Result<uint64_t> read_u64be(std::string_view what);

  // Reads exactly `n` bytes and returns a view of them.
  Result<ByteSpan> read_bytes(size_t n, std::string_view what);
  // Reads exactly `out.size()` bytes into `out`.
  Status read_into(std::span<uint8_t> out, std::string_view what);
  // Consumes `n` bytes without looking at them.
  Status skip(size_t n, std::string_view what);
  // Reads `n` bytes as a sub-reader whose offsets stay absolute.
  Result<ByteReader> read_sub(size_t n, std::string_view what);
  // Consumes and returns every unread byte.
  ByteSpan read_rest();

  // Length-prefixed fields: reads the length, then that many bytes as a sub-reader.
  Result<ByteReader> read_u8_prefixed(std::string_view what);
  Result<ByteReader> read_u16be_prefixed(std::string_view what);
  Result<ByteReader> read_u24be_prefixed(std::string_view what);
  Result<ByteReader> read_u32be_prefixed(std::string_view what);

  // Fails unless every byte has been read; use after parsing a fixed layout.
  Status expect_end(std::string_view what) const;

  // DER: reads one element with single-byte `tag` (e.g. 0x30 SEQUENCE) in
  // definite, minimal-length form and returns its contents.
  Result<ByteReader> read_der(uint8_t tag, std::string_view what);
  // Reads one DER element of any single-byte tag.
  Result<DerElement> read_der_any(std::string_view what);
  // Returns true if the next byte is `tag` (without consuming anything).
  bool peek_der_tag(uint8_t tag) const;
  // Reads a DER INTEGER that must be non-negative and fit in 64 bits.
  Result<uint64_t> read_der_uint64(std::string_view what);

  // Returns an error of kind kMalformed that names `what` and the current offset.
  Error malformed(std::string_view what, std::string_view problem) const;

 private:
  template <typename T, bool kBigEndian, size_t kWidth = sizeof(T)>
  Result<T> read_int(std::string_view what);
  Result<ByteReader> read_prefixed(size_t width, std::string_view what);
  Result<size_t> read_der_header(uint8_t* tag, std::string_view what);

  ByteSpan data_;
  size_t origin_;
};

struct DerElement {
  uint8_t tag;
  ByteReader contents;
};

// An append-only byte builder. Length-prefixed and DER helpers take a callback
// that writes the body; the prefix is patched in afterwards.
class ByteWriter {
 public:
  ByteWriter() = default;

  void put_u8(uint8_t v) { out_.push_back(v); }
  void put_u16le(uint16_t v) { put_int(v, 2, false); }
  void put_u16be(uint16_t v) { put_int(v, 2, true); }
  void put_u24be(uint32_t v) { put_int(v, 3, true); }
  void put_u32le(uint32_t v) { put_int(v, 4, false); }
  void put_u32be(uint32_t v) { put_int(v, 4, true); }
  void put_u64le(uint64_t v) { put_int(v, 8, false); }
  void put_u64be(uint64_t v) { put_int(v, 8, true); }
  void put_bytes(ByteSpan data) { out_.insert(out_.end(), data.begin(), data.end()); }
  void put_string(std::string_view text) { put_bytes(as_bytes(text)); }
  void put_zeros(size_t n) { out_.insert(out_.end(), n, 0); }

  using BodyWriter = std::function<void(ByteWriter&)>;
  // Writes a big-endian length of `width` bytes (1, 2, 3 or 4) followed by the
  // body. Fails, writing nothing, if the body is too long for the prefix.
  Status put_prefixed(size_t width, const BodyWriter& body);
  // Writes a DER element with single-byte `tag` around the body.
  void put_der(uint8_t tag, const BodyWriter& body);
  // Writes a DER INTEGER holding the non-negative `value`.
  void put_der_uint64(uint64_t value);

  size_t size() const { return out_.size(); }
  const Bytes& data() const { return out_; }
  // Moves the built bytes out, leaving the writer empty.
  Bytes take() { return std::move(out_); }

 private:
  void put_int(uint64_t v, size_t width, bool big_endian);

  Bytes out_;
};

}  // namespace cloister
