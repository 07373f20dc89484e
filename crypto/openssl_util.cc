#include "crypto/openssl_util.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <openssl/err.h>

namespace cloister::crypto::internal {

const EVP_MD* evp_md(HashAlgorithm hash) {
  switch (hash) {
    case HashAlgorithm::kSha256: return EVP_sha256();
    case HashAlgorithm::kSha384: return EVP_sha384();
    case HashAlgorithm::kSha512: return EVP_sha512();
    case HashAlgorithm::kBlake2b512: return EVP_blake2b512();
    case HashAlgorithm::kBlake2s256: return EVP_blake2s256();
  }
  return EVP_sha256();
}

TimePoint asn1_time_to_point(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) return TimePoint{};
  // Certificates may say 9999-12-31; system_clock's nanoseconds end in 2262.
  constexpr int64_t kLastRepresentableSecond = INT64_MAX / 1000000000;
  int64_t seconds = static_cast<int64_t>(timegm(&parts));
  if (seconds > kLastRepresentableSecond) return TimePoint::max();
  if (seconds < -kLastRepresentableSecond) return TimePoint::min();
  return from_unix_seconds(seconds);
}

std::string drain_openssl_errors() {
  std::string out;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!out.empty()) out += "; ";
    out += buffer;
  }
  return out;
}

Error openssl_error(ErrorCode code, std::string_view what) {
  std::string detail = drain_openssl_errors();
  std::string message(what);
  if (!detail.empty()) message += " (" + detail + ")";
  return Error(code, std::move(message));
}

void die(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL %s failed\n", what);
  std::abort();
}

}  // namespace cloister::crypto::internal
