#include "base/encoding.h"

#include <array>

namespace cloister {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string encode_base64(ByteSpan data, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t group = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) {
      out += alphabet[(group >> shift) & 0x3f];
    }
  }
  size_t tail = data.size() - i;
  if (tail > 0) {
    uint32_t group = uint32_t{data[i]} << 16;
    if (tail == 2) group |= uint32_t{data[i + 1]} << 8;
    out += alphabet[(group >> 18) & 0x3f];
    out += alphabet[(group >> 12) & 0x3f];
    if (tail == 2) out += alphabet[(group >> 6) & 0x3f];
    if (pad) out.append(3 - tail, '=');
  }
  return out;
}

Result<Bytes> decode_base64(std::string_view text, std::string_view alphabet, bool padded) {
  std::array<int, 256> value{};
  value.fill(-1);
  for (size_t i = 0; i < alphabet.size(); ++i) {
    value[static_cast<uint8_t>(alphabet[i])] = static_cast<int>(i);
  }
  auto fail = [](std::string problem) {
    return Error(ErrorCode::kMalformed, "base64: " + std::move(problem));
  };
  if (padded) {
    if (text.size() % 4 != 0) return fail("length is not a multiple of 4");
    size_t padding = 0;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
      ++padding;
    }
    text.remove_suffix(padding);
  }
  if (text.size() % 4 == 1) return fail("impossible length");
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = value[static_cast<uint8_t>(c)];
    if (v < 0) return fail("invalid character");
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(buffer >> bits));
      buffer &= (1u << bits) - 1;
    }
  }
  if (buffer != 0) return fail("non-zero trailing bits");
  return out;
}

}  // namespace

std::string hex_encode(ByteSpan data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out += kHexDigits[b >> 4];
    out += kHexDigits[b & 0xf];
  }
  return out;
}

Result<Bytes> hex_decode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return Error(ErrorCode::kMalformed, "hex: odd number of digits");
  }
  Bytes out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = hex_value(text[i]);
    int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) {
      return Error(ErrorCode::kMalformed, "hex: invalid digit at position " + std::to_string(i));
    }
    out.push_back(static_cast<uint8_t>((hi << 4) | lo));
  }
  return out;
}

std::string base64_encode(ByteSpan data) { return encode_base64(data, kBase64Alphabet, true); }
Result<Bytes> base64_decode(std::string_view text) {
  return decode_base64(text, kBase64Alphabet, true);
}
std::string base64url_encode(ByteSpan data) {
  return encode_base64(data, kBase64UrlAlphabet, false);
}
Result<Bytes> base64url_decode(std::string_view text) {
  return decode_base64(text, kBase64UrlAlphabet, false);
}

}  // namespace cloister
