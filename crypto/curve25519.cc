#include "crypto/curve25519.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <openssl/evp.h>

#include "crypto/random.h"

namespace cloister::crypto {
namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL %s failed\n", what);
  std::abort();
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

PkeyPtr raw_private(int type, ByteSpan key) {
  return PkeyPtr(EVP_PKEY_new_raw_private_key(type, nullptr, key.data(), key.size()));
}

template <size_t N>
std::array<uint8_t, N> raw_public(EVP_PKEY* key) {
  std::array<uint8_t, N> out{};
  size_t length = N;
  if (EVP_PKEY_get_raw_public_key(key, out.data(), &length) != 1 || length != N) {
    die("EVP_PKEY_get_raw_public_key");
  }
  return out;
}

}  // namespace

X25519KeyPair x25519_generate() {
  SecretBytes private_key = random_secret(kX25519KeySize);
  auto pair = x25519_from_private(private_key.span());
  if (!pair.ok()) die("X25519 keygen");
  return std::move(pair).value();
}

Result<X25519KeyPair> x25519_from_private(ByteSpan private_key) {
  if (private_key.size() != kX25519KeySize) {
    return Error(ErrorCode::kInvalidArgument, "X25519 private key must be 32 bytes");
  }
  PkeyPtr key = raw_private(EVP_PKEY_X25519, private_key);
  if (!key) die("X25519 private key");
  return X25519KeyPair{SecretBytes(private_key), raw_public<kX25519KeySize>(key.get())};
}

Result<SecretBytes> x25519_shared_secret(const SecretBytes& private_key, ByteSpan peer_public) {
  if (private_key.size() != kX25519KeySize || peer_public.size() != kX25519KeySize) {
    return Error(ErrorCode::kInvalidArgument, "X25519 keys must be 32 bytes");
  }
  PkeyPtr own = raw_private(EVP_PKEY_X25519, private_key.span());
  PkeyPtr peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(),
                                           peer_public.size()));
  if (!own || !peer) die("X25519 key import");
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(own.get(), nullptr);
  SecretBytes shared(kX25519KeySize);
  size_t length = shared.size();
  bool derived = ctx != nullptr && EVP_PKEY_derive_init(ctx) == 1 &&
                 EVP_PKEY_derive_set_peer(ctx, peer.get()) == 1 &&
                 EVP_PKEY_derive(ctx, shared.data(), &length) == 1 && length == kX25519KeySize;
  EVP_PKEY_CTX_free(ctx);
  // OpenSSL refuses an all-zero result (a small-order peer point).
  if (!derived) return Error(ErrorCode::kRejected, "X25519 with this peer key is degenerate");
  return shared;
}

Ed25519KeyPair ed25519_generate() {
  SecretBytes seed = random_secret(kEd25519SeedSize);
  auto pair = ed25519_from_seed(seed.span());
  if (!pair.ok()) die("Ed25519 keygen");
  return std::move(pair).value();
}

Result<Ed25519KeyPair> ed25519_from_seed(ByteSpan seed) {
  if (seed.size() != kEd25519SeedSize) {
    return Error(ErrorCode::kInvalidArgument, "Ed25519 seed must be 32 bytes");
  }
  PkeyPtr key = raw_private(EVP_PKEY_ED25519, seed);
  if (!key) die("Ed25519 private key");
  return Ed25519KeyPair{SecretBytes(seed), raw_public<kEd25519PublicKeySize>(key.get())};
}

Ed25519Signature ed25519_sign(const SecretBytes& seed, ByteSpan message) {
  PkeyPtr key = raw_private(EVP_PKEY_ED25519, seed.span());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Ed25519Signature signature{};
  size_t length = signature.size();
  bool signed_ok =
      key && ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key.get()) == 1 &&
      EVP_DigestSign(ctx, signature.data(), &length, message.data(), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!signed_ok || length != signature.size()) die("Ed25519 sign");
  return signature;
}

bool ed25519_verify(ByteSpan public_key, ByteSpan message, ByteSpan signature) {
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize) {
    return false;
  }
  PkeyPtr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  if (!key) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool valid = ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key.get()) == 1 &&
               EVP_DigestVerify(ctx, signature.data(), signature.size(), message.data(),
                                message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return valid;
}

}  // namespace cloister::crypto
