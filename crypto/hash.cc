#include "crypto/hash.h"

#include <cstdio>
#include <cstdlib>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

namespace cloister::crypto {
namespace {

const EVP_MD* evp_md(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha256: return EVP_sha256();
    case HashAlgorithm::kSha384: return EVP_sha384();
    case HashAlgorithm::kSha512: return EVP_sha512();
    case HashAlgorithm::kBlake2b512: return EVP_blake2b512();
    case HashAlgorithm::kBlake2s256: return EVP_blake2s256();
  }
  return EVP_sha256();
}

const char* md_name(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha256: return "SHA256";
    case HashAlgorithm::kSha384: return "SHA384";
    case HashAlgorithm::kSha512: return "SHA512";
    case HashAlgorithm::kBlake2b512: return "BLAKE2B-512";
    case HashAlgorithm::kBlake2s256: return "BLAKE2S-256";
  }
  return "SHA256";
}

// Failures here mean OpenSSL itself is broken (allocation, missing provider).
[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL %s failed\n", what);
  std::abort();
}

template <size_t N>
std::array<uint8_t, N> fixed_digest(HashAlgorithm algorithm, ByteSpan data) {
  std::array<uint8_t, N> out{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, evp_md(algorithm), nullptr) != 1 ||
      length != N) {
    die("EVP_Digest");
  }
  return out;
}

}  // namespace

size_t digest_size(HashAlgorithm algorithm) {
  return static_cast<size_t>(EVP_MD_get_size(evp_md(algorithm)));
}

Sha256Digest sha256(ByteSpan data) { return fixed_digest<32>(HashAlgorithm::kSha256, data); }
Sha384Digest sha384(ByteSpan data) { return fixed_digest<48>(HashAlgorithm::kSha384, data); }
Sha512Digest sha512(ByteSpan data) { return fixed_digest<64>(HashAlgorithm::kSha512, data); }

Bytes digest(HashAlgorithm algorithm, ByteSpan data) {
  return Hasher(algorithm).update(data).finish();
}

struct Hasher::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(HashAlgorithm algorithm) : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  if (state_->ctx == nullptr || EVP_DigestInit_ex(state_->ctx, evp_md(algorithm), nullptr) != 1) {
    die("EVP_DigestInit_ex");
  }
}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

Hasher& Hasher::update(ByteSpan data) {
  if (!data.empty() && EVP_DigestUpdate(state_->ctx, data.data(), data.size()) != 1) {
    die("EVP_DigestUpdate");
  }
  return *this;
}

Bytes Hasher::finish() {
  Bytes out(static_cast<size_t>(EVP_MD_CTX_get_size(state_->ctx)));
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(state_->ctx, out.data(), &length) != 1) die("EVP_DigestFinal_ex");
  out.resize(length);
  return out;
}

Bytes hmac(HashAlgorithm algorithm, ByteSpan key, ByteSpan data) {
  Bytes out(digest_size(algorithm));
  unsigned int length = 0;
  static const uint8_t kEmpty = 0;
  const uint8_t* key_ptr = key.empty() ? &kEmpty : key.data();
  if (HMAC(evp_md(algorithm), key_ptr, static_cast<int>(key.size()), data.data(), data.size(),
           out.data(), &length) == nullptr) {
    die("HMAC");
  }
  out.resize(length);
  return out;
}

SecretBytes hkdf(HashAlgorithm algorithm, ByteSpan input_key, ByteSpan salt, ByteSpan info,
                 size_t length) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
  EVP_KDF_free(kdf);
  if (ctx == nullptr) die("EVP_KDF_fetch(HKDF)");
  static uint8_t kEmpty = 0;
  auto octets = [](ByteSpan s) {
    return s.empty() ? static_cast<void*>(&kEmpty) : const_cast<uint8_t*>(s.data());
  };
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(md_name(algorithm)),
                                       0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, octets(input_key), input_key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, octets(salt), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, octets(info), info.size()),
      OSSL_PARAM_construct_end(),
  };
  SecretBytes out(length);
  int rc = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(ctx);
  if (rc != 1) die("EVP_KDF_derive(HKDF)");
  return out;
}

}  // namespace cloister::crypto
