#include "crypto/x509_builder.h"

#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "crypto/openssl_util.h"

namespace cloister::crypto {
namespace {

using internal::X509Ptr;

struct NameDeleter {
  void operator()(X509_NAME* name) const { X509_NAME_free(name); }
};
struct ExtensionDeleter {
  void operator()(X509_EXTENSION* extension) const { X509_EXTENSION_free(extension); }
};
struct OctetDeleter {
  void operator()(ASN1_OCTET_STRING* octets) const { ASN1_OCTET_STRING_free(octets); }
};

Status add_extension(X509* cert, const RawExtension& extension) {
  internal::AsnObjectPtr object(OBJ_txt2obj(extension.oid.c_str(), 1));
  std::unique_ptr<ASN1_OCTET_STRING, OctetDeleter> value(ASN1_OCTET_STRING_new());
  if (!object || !value) {
    internal::drain_openssl_errors();
    return Error(ErrorCode::kInvalidArgument, "bad extension OID " + extension.oid);
  }
  if (ASN1_OCTET_STRING_set(value.get(), extension.value.data(),
                            static_cast<int>(extension.value.size())) != 1) {
    internal::die("ASN1_OCTET_STRING_set");
  }
  std::unique_ptr<X509_EXTENSION, ExtensionDeleter> ext(
      X509_EXTENSION_create_by_OBJ(nullptr, object.get(), extension.critical ? 1 : 0, value.get()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) internal::die("X509_add_ext");
  return ok_status();
}

Status add_v3_extension(X509* cert, X509* issuer, int nid, const std::string& text) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtensionDeleter> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, text.c_str()));
  if (!ext) return internal::openssl_error(ErrorCode::kInvalidArgument, "bad extension " + text);
  if (X509_add_ext(cert, ext.get(), -1) != 1) internal::die("X509_add_ext");
  return ok_status();
}

Status sign(X509* cert, const PrivateKey& key, CertificateSigner signer) {
  internal::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) internal::die("EVP_MD_CTX_new");
  HashAlgorithm hash =
      signer == CertificateSigner::kEcdsaSha256 ? HashAlgorithm::kSha256 : HashAlgorithm::kSha384;
  EVP_PKEY_CTX* pkey_ctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pkey_ctx, internal::evp_md(hash), nullptr, key.native()) !=
      1) {
    return internal::openssl_error(ErrorCode::kInvalidArgument, "issuer key cannot sign");
  }
  if (signer == CertificateSigner::kRsaPssSha384 &&
      (EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(pkey_ctx, EVP_sha384()) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pkey_ctx, 48) != 1)) {
    return internal::openssl_error(ErrorCode::kInvalidArgument, "issuer key cannot sign with PSS");
  }
  if (X509_sign_ctx(cert, ctx.get()) <= 0) {
    return internal::openssl_error(ErrorCode::kInternal, "certificate signing failed");
  }
  return ok_status();
}

}  // namespace

Result<Certificate> issue_certificate(const CertificateTemplate& spec, const PublicKey& subject_key,
                                      const Certificate* issuer, const PrivateKey& issuer_key,
                                      CertificateSigner signer) {
  X509Ptr cert(X509_new());
  std::unique_ptr<X509_NAME, NameDeleter> name(X509_NAME_new());
  if (!cert || !name) internal::die("X509_new");
  for (const NameAttribute& attribute : spec.subject) {
    if (X509_NAME_add_entry_by_txt(name.get(), attribute.short_name.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(attribute.value.c_str()),
                                   -1, -1, 0) != 1) {
      return internal::openssl_error(ErrorCode::kInvalidArgument,
                                     "bad name attribute " + attribute.short_name);
    }
  }
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), spec.serial) != 1 ||
      X509_set_subject_name(cert.get(), name.get()) != 1 ||
      X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer->native())
                                                         : name.get()) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()),
                    static_cast<time_t>(unix_seconds(spec.not_before))) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                    static_cast<time_t>(unix_seconds(spec.not_after))) == nullptr ||
      X509_set_pubkey(cert.get(), subject_key.native()) != 1) {
    internal::die("X509 field setters");
  }
  X509* issuer_native = issuer != nullptr ? issuer->native() : cert.get();
  if (spec.is_ca) {
    std::string constraints = "critical,CA:TRUE";
    if (spec.path_length) constraints += ",pathlen:" + std::to_string(*spec.path_length);
    CLOISTER_TRY(add_v3_extension(cert.get(), issuer_native, NID_basic_constraints, constraints));
    CLOISTER_TRY(
        add_v3_extension(cert.get(), issuer_native, NID_key_usage, "critical,keyCertSign,cRLSign"));
  }
  CLOISTER_TRY(add_v3_extension(cert.get(), issuer_native, NID_subject_key_identifier, "hash"));
  for (const RawExtension& extension : spec.extensions) {
    CLOISTER_TRY(add_extension(cert.get(), extension));
  }
  CLOISTER_TRY(sign(cert.get(), issuer_key, signer));
  return Certificate(cert.release());
}

}  // namespace cloister::crypto
