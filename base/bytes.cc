#include "base/bytes.h"

#include <algorithm>
#include <cstring>

namespace cloister {

Error ByteReader::malformed(std::string_view what, std::string_view problem) const {
  std::string message(what);
  message += " at offset " + std::to_string(origin_) + ": ";
  message += problem;
  return Error(ErrorCode::kMalformed, std::move(message));
}

Result<ByteSpan> ByteReader::read_bytes(size_t n, std::string_view what) {
  if (n > data_.size()) {
    return malformed(what, "truncated: needs " + std::to_string(n) + " bytes, " +
                               std::to_string(data_.size()) + " remain");
  }
  ByteSpan out = data_.first(n);
  data_ = data_.subspan(n);
  origin_ += n;
  return out;
}

template <typename T, bool kBigEndian, size_t kWidth>
Result<T> ByteReader::read_int(std::string_view what) {
  CLOISTER_ASSIGN_OR_RETURN(ByteSpan raw, read_bytes(kWidth, what));
  uint64_t v = 0;
  for (size_t i = 0; i < kWidth; ++i) {
    size_t shift_index = kBigEndian ? kWidth - 1 - i : i;
    v |= static_cast<uint64_t>(raw[i]) << (8 * shift_index);
  }
  return static_cast<T>(v);
}

Result<uint8_t> ByteReader::read_u8(std::string_view what) {
  return read_int<uint8_t, false>(what);
}
Result<uint16_t> ByteReader::read_u16le(std::string_view what) {
  return read_int<uint16_t, false>(what);
}
Result<uint16_t> ByteReader::read_u16be(std::string_view what) {
  return read_int<uint16_t, true>(what);
}
Result<uint32_t> ByteReader::read_u24be(std::string_view what) {
  return read_int<uint32_t, true, 3>(what);
}
Result<uint32_t> ByteReader::read_u32le(std::string_view what) {
  return read_int<uint32_t, false>(what);
}
Result<uint32_t> ByteReader::read_u32be(std::string_view what) {
  return read_int<uint32_t, true>(what);
}
Result<uint64_t> ByteReader::read_u64le(std::string_view what) {
  return read_int<uint64_t, false>(what);
}
Result<uint64_t> ByteReader::read_u64be(std::string_view what) {
  return read_int<uint64_t, true>(what);
}

Status ByteReader::read_into(std::span<uint8_t> out, std::string_view what) {
  CLOISTER_ASSIGN_OR_RETURN(ByteSpan raw, read_bytes(out.size(), what));
  std::copy(raw.begin(), raw.end(), out.begin());
  return ok_status();
}

Status ByteReader::skip(size_t n, std::string_view what) {
  CLOISTER_TRY(read_bytes(n, what));
  return ok_status();
}

Result<ByteReader> ByteReader::read_sub(size_t n, std::string_view what) {
  size_t start = origin_;
  CLOISTER_ASSIGN_OR_RETURN(ByteSpan raw, read_bytes(n, what));
  return ByteReader(raw, start);
}

ByteSpan ByteReader::read_rest() {
  ByteSpan out = data_;
  origin_ += data_.size();
  data_ = {};
  return out;
}

Result<ByteReader> ByteReader::read_prefixed(size_t width, std::string_view what) {
  ByteReader saved = *this;
  uint64_t length = 0;
  switch (width) {
    case 1: {
      CLOISTER_ASSIGN_OR_RETURN(length, read_u8(what));
      break;
    }
    case 2: {
      CLOISTER_ASSIGN_OR_RETURN(length, read_u16be(what));
      break;
    }
    case 3: {
      CLOISTER_ASSIGN_OR_RETURN(length, read_u24be(what));
      break;
    }
    default: {
      CLOISTER_ASSIGN_OR_RETURN(length, read_u32be(what));
      break;
    }
  }
  auto body = read_sub(length, what);
  if (!body.ok()) {
    *this = saved;  // a failed read consumes nothing
  }
  return body;
}

Result<ByteReader> ByteReader::read_u8_prefixed(std::string_view what) {
  return read_prefixed(1, what);
}
Result<ByteReader> ByteReader::read_u16be_prefixed(std::string_view what) {
  return read_prefixed(2, what);
}
Result<ByteReader> ByteReader::read_u24be_prefixed(std::string_view what) {
  return read_prefixed(3, what);
}
Result<ByteReader> ByteReader::read_u32be_prefixed(std::string_view what) {
  return read_prefixed(4, what);
}

Status ByteReader::expect_end(std::string_view what) const {
  if (!data_.empty()) {
    return malformed(what, std::to_string(data_.size()) + " unexpected trailing bytes");
  }
  return ok_status();
}

// Reads a DER tag and length; returns the content length. Only single-byte
// tags and definite lengths of up to four bytes, minimally encoded, are DER.
Result<size_t> ByteReader::read_der_header(uint8_t* tag, std::string_view what) {
  CLOISTER_ASSIGN_OR_RETURN(*tag, read_u8(what));
  if ((*tag & 0x1f) == 0x1f) {
    return malformed(what, "multi-byte DER tags are not supported");
  }
  CLOISTER_ASSIGN_OR_RETURN(uint8_t first, read_u8(what));
  if (first < 0x80) {
    return static_cast<size_t>(first);
  }
  size_t length_bytes = first & 0x7f;
  if (length_bytes == 0) {
    return malformed(what, "indefinite DER length");
  }
  if (length_bytes > 4) {
    return malformed(what, "DER length too large");
  }
  size_t length = 0;
  for (size_t i = 0; i < length_bytes; ++i) {
    CLOISTER_ASSIGN_OR_RETURN(uint8_t b, read_u8(what));
    if (i == 0 && b == 0) {
      return malformed(what, "DER length has a leading zero byte");
    }
    length = (length << 8) | b;
  }
  if (length < 0x80) {
    return malformed(what, "DER length should use the short form");
  }
  return length;
}

Result<DerElement> ByteReader::read_der_any(std::string_view what) {
  ByteReader saved = *this;
  uint8_t tag = 0;
  auto length = read_der_header(&tag, what);
  if (!length.ok()) {
    *this = saved;
    return std::move(length).error();
  }
  auto contents = read_sub(*length, what);
  if (!contents.ok()) {
    *this = saved;
    return std::move(contents).error();
  }
  return DerElement{tag, *contents};
}

Result<ByteReader> ByteReader::read_der(uint8_t tag, std::string_view what) {
  if (!peek_der_tag(tag)) {
    if (data_.empty()) {
      return malformed(what, "truncated: expected a DER element");
    }
    return malformed(
        what, "unexpected DER tag " + std::to_string(data_[0]) + ", wanted " + std::to_string(tag));
  }
  CLOISTER_ASSIGN_OR_RETURN(DerElement element, read_der_any(what));
  return element.contents;
}

bool ByteReader::peek_der_tag(uint8_t tag) const { return !data_.empty() && data_[0] == tag; }

Result<uint64_t> ByteReader::read_der_uint64(std::string_view what) {
  ByteReader saved = *this;
  auto fail = [&](std::string_view problem) {
    Error error = malformed(what, problem);
    *this = saved;
    return error;
  };
  auto contents = read_der(0x02, what);
  if (!contents.ok()) {
    return std::move(contents).error();
  }
  ByteSpan digits = contents->read_rest();
  if (digits.empty()) {
    return fail("empty DER INTEGER");
  }
  if (digits[0] & 0x80) {
    return fail("negative DER INTEGER");
  }
  if (digits.size() > 1 && digits[0] == 0 && !(digits[1] & 0x80)) {
    return fail("DER INTEGER is not minimally encoded");
  }
  if (digits[0] == 0) {
    digits = digits.subspan(1);
  }
  if (digits.size() > 8) {
    return fail("DER INTEGER does not fit in 64 bits");
  }
  uint64_t value = 0;
  for (uint8_t b : digits) {
    value = (value << 8) | b;
  }
  return value;
}

Status ByteWriter::put_prefixed(size_t width, const BodyWriter& body) {
  if (width < 1 || width > 4) {
    return Error(ErrorCode::kInvalidArgument, "length prefix width must be 1 to 4 bytes");
  }
  size_t start = out_.size();
  put_zeros(width);
  body(*this);
  uint64_t length = out_.size() - start - width;
  if (length >> (8 * width) != 0) {
    out_.resize(start);
    return Error(ErrorCode::kResourceExhausted, "body of " + std::to_string(length) +
                                                    " bytes does not fit a " +
                                                    std::to_string(width) + "-byte length prefix");
  }
  for (size_t i = 0; i < width; ++i) {
    out_[start + i] = static_cast<uint8_t>(length >> (8 * (width - 1 - i)));
  }
  return ok_status();
}

void ByteWriter::put_der(uint8_t tag, const BodyWriter& body) {
  ByteWriter inner;
  body(inner);
  size_t length = inner.size();
  put_u8(tag);
  if (length < 0x80) {
    put_u8(static_cast<uint8_t>(length));
  } else {
    size_t length_bytes = 0;
    for (size_t l = length; l != 0; l >>= 8) {
      ++length_bytes;
    }
    put_u8(static_cast<uint8_t>(0x80 | length_bytes));
    put_int(length, length_bytes, true);
  }
  put_bytes(inner.data());
}

void ByteWriter::put_der_uint64(uint64_t value) {
  put_der(0x02, [value](ByteWriter& w) {
    size_t width = 1;
    while (width < 8 && (value >> (8 * width)) != 0) {
      ++width;
    }
    if ((value >> (8 * (width - 1))) & 0x80) {
      w.put_u8(0);  // keep the INTEGER non-negative
    }
    w.put_int(value, width, true);
  });
}

void ByteWriter::put_int(uint64_t v, size_t width, bool big_endian) {
  for (size_t i = 0; i < width; ++i) {
    size_t shift_index = big_endian ? width - 1 - i : i;
    out_.push_back(static_cast<uint8_t>(v >> (8 * shift_index)));
  }
}

}  // namespace cloister
