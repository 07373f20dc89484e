#include "client/keys/recovery_code.h"

#include "crypto/hash.h"
#include "crypto/random.h"

namespace cloister::client {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr size_t kChecksumSize = 4;
constexpr size_t kCodeBytes = kRecoveryEntropySize + kChecksumSize;  // 20 bytes = 32 characters

int crockford_value(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c == 'O') c = '0';
  if (c == 'I' || c == 'L') c = '1';
  size_t index = kCrockford.find(c);
  return index == std::string_view::npos ? -1 : static_cast<int>(index);
}

Bytes checksum(ByteSpan entropy) {
  ByteWriter w;
  w.put_string("cloister/v1/recovery-checksum");
  w.put_bytes(entropy);
  crypto::Sha256Digest digest = crypto::sha256(w.data());
  return Bytes(digest.begin(), digest.begin() + kChecksumSize);
}

}  // namespace

crypto::SecretBytes generate_recovery_entropy() {
  return crypto::random_secret(kRecoveryEntropySize);
}

std::string format_recovery_code(const crypto::SecretBytes& entropy) {
  crypto::SecretBytes raw(kCodeBytes);
  std::copy(entropy.span().begin(), entropy.span().end(), raw.data());
  Bytes sum = checksum(entropy.span());
  std::copy(sum.begin(), sum.end(), raw.data() + kRecoveryEntropySize);
  std::string code;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t byte : raw.span()) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      if (!code.empty() && (code.size() + 1) % 5 == 0) code += '-';
      code += kCrockford[(buffer >> bits) & 0x1f];
    }
  }
  return code;
}

Result<crypto::SecretBytes> parse_recovery_code(std::string_view code) {
  crypto::SecretBytes raw(kCodeBytes);
  size_t out = 0;
  uint32_t buffer = 0;
  int bits = 0;
  size_t digits = 0;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    int value = crockford_value(c);
    if (value < 0) {
      return Error(ErrorCode::kInvalidArgument,
                   "recovery code has an invalid character '" + std::string(1, c) + "'");
    }
    if (++digits > kCodeBytes * 8 / 5) continue;  // too long: counted, reported below
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      raw.data()[out++] = static_cast<uint8_t>(buffer >> bits);
    }
  }
  if (digits != kCodeBytes * 8 / 5) {
    return Error(ErrorCode::kInvalidArgument,
                 "a recovery code has 32 characters (8 groups of 4); this one has " +
                     std::to_string(digits));
  }
  crypto::SecretBytes entropy(raw.span().first(kRecoveryEntropySize));
  if (!crypto::constant_time_equals(checksum(entropy.span()),
                                    raw.span().subspan(kRecoveryEntropySize))) {
    return Error(ErrorCode::kInvalidArgument, "recovery code checksum mismatch: check for typos");
  }
  return entropy;
}

}  // namespace cloister::client
