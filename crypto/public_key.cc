#include "crypto/public_key.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "crypto/openssl_util.h"

namespace cloister::crypto {
namespace {

using internal::BignumPtr;
using internal::EcdsaSigPtr;
using internal::evp_md;
using internal::EvpMdCtxPtr;
using internal::EvpPkeyCtxPtr;

// Runs one EVP_DigestVerify over `message`; `configure` may adjust the
// key context (e.g. PSS padding) before the data is hashed.
template <typename Configure>
bool digest_verify(EVP_PKEY* key, HashAlgorithm hash, ByteSpan message, ByteSpan signature,
                   Configure configure) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) internal::die("EVP_MD_CTX_new");
  EVP_PKEY_CTX* pkey_ctx = nullptr;
  bool ok = EVP_DigestVerifyInit(ctx.get(), &pkey_ctx, evp_md(hash), nullptr, key) == 1 &&
            configure(pkey_ctx) &&
            EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                             message.size()) == 1;
  internal::drain_openssl_errors();
  return ok;
}

}  // namespace

std::string_view key_type_name(KeyType type) {
  switch (type) {
    case KeyType::kRsa: return "RSA";
    case KeyType::kEcP256: return "EC P-256";
    case KeyType::kEcP384: return "EC P-384";
    case KeyType::kOther: return "other";
  }
  return "other";
}

PublicKey::PublicKey(evp_pkey_st* owned) : key_(owned, EVP_PKEY_free) {}

Result<PublicKey> PublicKey::from_spki_der(ByteSpan der) {
  const unsigned char* cursor = der.data();
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der.size()));
  if (key == nullptr) {
    return internal::openssl_error(ErrorCode::kMalformed, "not a DER SubjectPublicKeyInfo");
  }
  if (cursor != der.data() + der.size()) {
    EVP_PKEY_free(key);
    return Error(ErrorCode::kMalformed, "trailing bytes after SubjectPublicKeyInfo");
  }
  return PublicKey(key);
}

Result<PublicKey> PublicKey::from_ec_coordinates(KeyType curve, ByteSpan x_and_y) {
  size_t field = 0;
  const char* group = nullptr;
  if (curve == KeyType::kEcP256) {
    field = 32;
    group = "P-256";
  } else if (curve == KeyType::kEcP384) {
    field = 48;
    group = "P-384";
  } else {
    return Error(ErrorCode::kInvalidArgument, "EC coordinates need curve P-256 or P-384");
  }
  if (x_and_y.size() != 2 * field) {
    return Error(ErrorCode::kMalformed, "EC public key must be " + std::to_string(2 * field) +
                                            " bytes of x || y, got " +
                                            std::to_string(x_and_y.size()));
  }
  Bytes point;
  point.reserve(1 + x_and_y.size());
  point.push_back(0x04);  // SEC 1 uncompressed point
  point.insert(point.end(), x_and_y.begin(), x_and_y.end());

  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx) internal::die("EVP_PKEY_CTX_new_from_name");
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return internal::openssl_error(ErrorCode::kMalformed, "EC point is not on the curve");
  }
  PublicKey result(key);
  // fromdata does not always validate the point; check it explicitly.
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    return internal::openssl_error(ErrorCode::kMalformed, "EC point is not on the curve");
  }
  return result;
}

KeyType PublicKey::type() const {
  if (EVP_PKEY_is_a(key_.get(), "RSA")) return KeyType::kRsa;
  if (EVP_PKEY_is_a(key_.get(), "EC")) {
    char name[64] = {};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key_.get(), OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
                                       &length) != 1) {
      internal::drain_openssl_errors();
      return KeyType::kOther;
    }
    std::string_view group(name, length);
    if (group == "prime256v1" || group == "P-256") return KeyType::kEcP256;
    if (group == "secp384r1" || group == "P-384") return KeyType::kEcP384;
  }
  return KeyType::kOther;
}

int PublicKey::bits() const { return EVP_PKEY_get_bits(key_.get()); }

Bytes PublicKey::spki_der() const {
  unsigned char* out = nullptr;
  int length = i2d_PUBKEY(key_.get(), &out);
  if (length <= 0) internal::die("i2d_PUBKEY");
  Bytes der(out, out + length);
  OPENSSL_free(out);
  return der;
}

bool PublicKey::verify_ecdsa_der(HashAlgorithm hash, ByteSpan message,
                                 ByteSpan der_signature) const {
  if (type() != KeyType::kEcP256 && type() != KeyType::kEcP384) return false;
  return digest_verify(key_.get(), hash, message, der_signature,
                       [](EVP_PKEY_CTX*) { return true; });
}

bool PublicKey::verify_ecdsa_rs(HashAlgorithm hash, ByteSpan message, ByteSpan r,
                                ByteSpan s) const {
  auto der = ecdsa_rs_to_der(r, s);
  if (!der.ok()) return false;
  return verify_ecdsa_der(hash, message, *der);
}

bool PublicKey::verify_rsa_pss(HashAlgorithm hash, int salt_length, ByteSpan message,
                               ByteSpan signature) const {
  if (type() != KeyType::kRsa) return false;
  return digest_verify(key_.get(), hash, message, signature, [&](EVP_PKEY_CTX* ctx) {
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, evp_md(hash)) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt_length) == 1;
  });
}

Result<Bytes> ecdsa_rs_to_der(ByteSpan r, ByteSpan s) {
  constexpr size_t kMaxScalar = 66;  // P-521 is the largest curve OpenSSL signs with
  if (r.empty() || s.empty() || r.size() > kMaxScalar || s.size() > kMaxScalar) {
    return Error(ErrorCode::kMalformed, "ECDSA r and s must be 1 to 66 bytes");
  }
  BignumPtr r_bn(BN_bin2bn(r.data(), static_cast<int>(r.size()), nullptr));
  BignumPtr s_bn(BN_bin2bn(s.data(), static_cast<int>(s.size()), nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r_bn || !s_bn || !sig) internal::die("BN_bin2bn");
  if (ECDSA_SIG_set0(sig.get(), r_bn.release(), s_bn.release()) != 1) {
    internal::die("ECDSA_SIG_set0");
  }
  unsigned char* out = nullptr;
  int length = i2d_ECDSA_SIG(sig.get(), &out);
  if (length <= 0) internal::die("i2d_ECDSA_SIG");
  Bytes der(out, out + length);
  OPENSSL_free(out);
  return der;
}

}  // namespace cloister::crypto
