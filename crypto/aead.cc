#include "crypto/aead.h"

#include <cstdio>
#include <cstdlib>

#include <openssl/evp.h>

namespace cloister::crypto {
namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "fatal: OpenSSL %s failed\n", what);
  std::abort();
}

const EVP_CIPHER* evp_cipher(AeadAlgorithm algorithm) {
  return algorithm == AeadAlgorithm::kAes256Gcm ? EVP_aes_256_gcm() : EVP_chacha20_poly1305();
}

}  // namespace

struct AeadKey::State {
  AeadAlgorithm algorithm;
  EVP_CIPHER_CTX* encrypt = nullptr;
  EVP_CIPHER_CTX* decrypt = nullptr;
  ~State() {
    EVP_CIPHER_CTX_free(encrypt);
    EVP_CIPHER_CTX_free(decrypt);
  }
};

AeadKey::AeadKey(AeadAlgorithm algorithm, ByteSpan key) : state_(std::make_unique<State>()) {
  if (key.size() != kAeadKeySize) die("AEAD key size");
  state_->algorithm = algorithm;
  state_->encrypt = EVP_CIPHER_CTX_new();
  state_->decrypt = EVP_CIPHER_CTX_new();
  if (state_->encrypt == nullptr || state_->decrypt == nullptr ||
      EVP_EncryptInit_ex2(state_->encrypt, evp_cipher(algorithm), key.data(), nullptr, nullptr) !=
          1 ||
      EVP_DecryptInit_ex2(state_->decrypt, evp_cipher(algorithm), key.data(), nullptr, nullptr) !=
          1) {
    die("AEAD init");
  }
}

AeadKey::~AeadKey() = default;
AeadKey::AeadKey(AeadKey&&) noexcept = default;
AeadKey& AeadKey::operator=(AeadKey&&) noexcept = default;

AeadAlgorithm AeadKey::algorithm() const { return state_->algorithm; }

Bytes AeadKey::seal(const AeadNonce& nonce, ByteSpan associated_data, ByteSpan plaintext) {
  Bytes out(plaintext.size() + kAeadTagSize);
  seal_into(nonce, associated_data, plaintext, out);
  return out;
}

void AeadKey::seal_into(const AeadNonce& nonce, ByteSpan associated_data, ByteSpan plaintext,
                        std::span<uint8_t> out) {
  if (out.size() != plaintext.size() + kAeadTagSize) die("AEAD seal output size");
  EVP_CIPHER_CTX* ctx = state_->encrypt;
  int length = 0;
  if (EVP_EncryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr) != 1) die("AEAD nonce");
  if (!associated_data.empty() &&
      EVP_EncryptUpdate(ctx, nullptr, &length, associated_data.data(),
                        static_cast<int>(associated_data.size())) != 1) {
    die("AEAD associated data");
  }
  if (!plaintext.empty() && EVP_EncryptUpdate(ctx, out.data(), &length, plaintext.data(),
                                              static_cast<int>(plaintext.size())) != 1) {
    die("AEAD encrypt");
  }
  if (EVP_EncryptFinal_ex(ctx, out.data() + plaintext.size(), &length) != 1) die("AEAD final");
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, kAeadTagSize,
                          out.data() + plaintext.size()) != 1) {
    die("AEAD tag");
  }
}

Result<Bytes> AeadKey::open(const AeadNonce& nonce, ByteSpan associated_data, ByteSpan sealed) {
  if (sealed.size() < kAeadTagSize) {
    return Error(ErrorCode::kMalformed, "ciphertext is shorter than the authentication tag");
  }
  size_t body = sealed.size() - kAeadTagSize;
  EVP_CIPHER_CTX* ctx = state_->decrypt;
  Bytes out(body);
  int length = 0;
  if (EVP_DecryptInit_ex2(ctx, nullptr, nullptr, nonce.data(), nullptr) != 1) die("AEAD nonce");
  if (!associated_data.empty() &&
      EVP_DecryptUpdate(ctx, nullptr, &length, associated_data.data(),
                        static_cast<int>(associated_data.size())) != 1) {
    die("AEAD associated data");
  }
  if (body > 0 &&
      EVP_DecryptUpdate(ctx, out.data(), &length, sealed.data(), static_cast<int>(body)) != 1) {
    die("AEAD decrypt");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, kAeadTagSize,
                          const_cast<uint8_t*>(sealed.data() + body)) != 1) {
    die("AEAD set tag");
  }
  if (EVP_DecryptFinal_ex(ctx, out.data() + body, &length) != 1) {
    secure_wipe(out);
    return Error(ErrorCode::kRejected, "authentication tag does not verify");
  }
  return out;
}

}  // namespace cloister::crypto
