#include "crypto/random.h"

#include <cstdio>
#include <cstdlib>

#include <climits>
#include <openssl/rand.h>

namespace cloister::crypto {

void fill_random(std::span<uint8_t> out) {
  while (!out.empty()) {
    size_t chunk = std::min<size_t>(out.size(), INT_MAX);
    if (RAND_bytes(out.data(), static_cast<int>(chunk)) != 1) {
      std::fputs("fatal: OpenSSL RAND_bytes failed\n", stderr);
      std::abort();
    }
    out = out.subspan(chunk);
  }
}

Bytes random_bytes(size_t size) {
  Bytes out(size);
  fill_random(out);
  return out;
}

SecretBytes random_secret(size_t size) {
  SecretBytes out(size);
  fill_random(out.span());
  return out;
}

}  // namespace cloister::crypto
