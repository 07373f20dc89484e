#include "crypto/private_key.h"

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "crypto/openssl_util.h"

namespace cloister::crypto {
namespace {

using internal::BioPtr;
using internal::EcdsaSigPtr;
using internal::evp_md;
using internal::EvpMdCtxPtr;
using internal::EvpPkeyCtxPtr;

template <typename Configure>
Result<Bytes> digest_sign(EVP_PKEY* key, HashAlgorithm hash, ByteSpan message,
                          Configure configure) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) internal::die("EVP_MD_CTX_new");
  EVP_PKEY_CTX* pkey_ctx = nullptr;
  size_t length = 0;
  if (EVP_DigestSignInit(ctx.get(), &pkey_ctx, evp_md(hash), nullptr, key) != 1 ||
      !configure(pkey_ctx) ||
      EVP_DigestSign(ctx.get(), nullptr, &length, message.data(), message.size()) != 1) {
    return internal::openssl_error(ErrorCode::kInternal, "signing failed");
  }
  Bytes signature(length);
  if (EVP_DigestSign(ctx.get(), signature.data(), &length, message.data(), message.size()) != 1) {
    return internal::openssl_error(ErrorCode::kInternal, "signing failed");
  }
  signature.resize(length);
  return signature;
}

}  // namespace

PrivateKey::PrivateKey(evp_pkey_st* owned) : key_(owned, EVP_PKEY_free) {}

Result<PrivateKey> PrivateKey::generate_rsa(int bits) {
  if (bits < 2048 || bits > 8192) {
    return Error(ErrorCode::kInvalidArgument, "RSA key size must be 2048 to 8192 bits");
  }
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (key == nullptr) return internal::openssl_error(ErrorCode::kInternal, "RSA keygen failed");
  return PrivateKey(key);
}

Result<PrivateKey> PrivateKey::generate_ec(KeyType curve) {
  const char* group = curve == KeyType::kEcP256   ? "P-256"
                      : curve == KeyType::kEcP384 ? "P-384"
                                                  : nullptr;
  if (group == nullptr) {
    return Error(ErrorCode::kInvalidArgument, "EC keys must use P-256 or P-384");
  }
  EVP_PKEY* key = EVP_EC_gen(group);
  if (key == nullptr) return internal::openssl_error(ErrorCode::kInternal, "EC keygen failed");
  return PrivateKey(key);
}

Result<PrivateKey> PrivateKey::from_pkcs8_pem(ByteSpan pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) internal::die("BIO_new_mem_buf");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return internal::openssl_error(ErrorCode::kMalformed, "not a PEM private key");
  }
  return PrivateKey(key);
}

SecretBytes PrivateKey::to_pkcs8_pem() const {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) internal::die("BIO_new");
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
      1) {
    internal::die("PEM_write_bio_PKCS8PrivateKey");
  }
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return SecretBytes(ByteSpan(reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(length)));
}

PublicKey PrivateKey::public_key() const {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key_.get(), &der);
  if (length <= 0) internal::die("i2d_PUBKEY");
  auto key = PublicKey::from_spki_der(ByteSpan(der, static_cast<size_t>(length)));
  OPENSSL_free(der);
  if (!key.ok()) internal::die("d2i_PUBKEY");
  return std::move(key).value();
}

Result<Bytes> PrivateKey::sign_ecdsa_rs(HashAlgorithm hash, ByteSpan message) const {
  KeyType kind = type();
  if (kind != KeyType::kEcP256 && kind != KeyType::kEcP384) {
    return Error(ErrorCode::kInvalidArgument, "ECDSA needs an EC key");
  }
  CLOISTER_ASSIGN_OR_RETURN(
      Bytes der, digest_sign(key_.get(), hash, message, [](EVP_PKEY_CTX*) { return true; }));
  const unsigned char* cursor = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (!sig) internal::die("d2i_ECDSA_SIG");
  const size_t field = kind == KeyType::kEcP256 ? 32 : 48;
  Bytes out(2 * field);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), static_cast<int>(field)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + field, static_cast<int>(field)) < 0) {
    internal::die("BN_bn2binpad");
  }
  return out;
}

Result<Bytes> PrivateKey::sign_rsa_pss(HashAlgorithm hash, int salt_length,
                                       ByteSpan message) const {
  if (type() != KeyType::kRsa) return Error(ErrorCode::kInvalidArgument, "PSS needs an RSA key");
  return digest_sign(key_.get(), hash, message, [&](EVP_PKEY_CTX* ctx) {
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, evp_md(hash)) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt_length) == 1;
  });
}

}  // namespace cloister::crypto
