#include "crypto/x509.h"

#include <cstdint>
#include <ctime>
#include <string_view>

#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "crypto/openssl_util.h"

namespace cloister::crypto {
namespace {

using internal::BioPtr;
using internal::X509Ptr;

constexpr std::string_view kPemMarker = "-----BEGIN ";

std::string name_to_string(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) internal::die("BIO_new");
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<size_t>(length)};
}

std::optional<HashAlgorithm> hash_from_nid(int nid) {
  switch (nid) {
    case NID_sha256: return HashAlgorithm::kSha256;
    case NID_sha384: return HashAlgorithm::kSha384;
    case NID_sha512: return HashAlgorithm::kSha512;
    default: return std::nullopt;
  }
}

std::string hash_name(HashAlgorithm hash) {
  switch (hash) {
    case HashAlgorithm::kSha256: return "SHA-256";
    case HashAlgorithm::kSha384: return "SHA-384";
    case HashAlgorithm::kSha512: return "SHA-512";
    case HashAlgorithm::kBlake2b512: return "BLAKE2b-512";
    case HashAlgorithm::kBlake2s256: return "BLAKE2s-256";
  }
  return "?";
}

// Decodes RSASSA-PSS-params; absent fields take the RFC 4055 defaults
// (SHA-1, MGF1-SHA-1, salt 20), which Cloister never accepts.
void decode_pss_params(const ASN1_TYPE* param, SignatureAlgorithm* out) {
  out->kind = SignatureAlgorithm::Kind::kRsaPss;
  out->pss_salt_length = 20;
  if (param == nullptr || param->type != V_ASN1_SEQUENCE) return;
  auto* pss = static_cast<RSA_PSS_PARAMS*>(
      ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), param));
  if (pss == nullptr) {
    internal::drain_openssl_errors();
    return;
  }
  if (pss->hashAlgorithm != nullptr) {
    out->hash = hash_from_nid(OBJ_obj2nid(pss->hashAlgorithm->algorithm));
  }
  if (pss->saltLength != nullptr) {
    out->pss_salt_length = static_cast<int>(ASN1_INTEGER_get(pss->saltLength));
  }
  const X509_ALGOR* mgf = pss->maskGenAlgorithm;
  if (mgf != nullptr && OBJ_obj2nid(mgf->algorithm) == NID_mgf1 && mgf->parameter != nullptr &&
      mgf->parameter->type == V_ASN1_SEQUENCE && out->hash) {
    auto* mgf_hash = static_cast<X509_ALGOR*>(
        ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR), mgf->parameter));
    if (mgf_hash != nullptr) {
      out->pss_mgf1_matches_hash = hash_from_nid(OBJ_obj2nid(mgf_hash->algorithm)) == out->hash;
      X509_ALGOR_free(mgf_hash);
    }
    internal::drain_openssl_errors();
  }
  RSA_PSS_PARAMS_free(pss);
}

}  // namespace

std::string SignatureAlgorithm::describe() const {
  std::string hash_text = hash ? hash_name(*hash) : "unknown hash";
  switch (kind) {
    case Kind::kRsaPss:
      return "RSASSA-PSS " + hash_text + " salt " + std::to_string(pss_salt_length) +
             (pss_mgf1_matches_hash ? "" : " (MGF1 hash differs)");
    case Kind::kRsaPkcs1: return "RSA PKCS#1 v1.5 " + hash_text;
    case Kind::kEcdsa: return "ECDSA " + hash_text;
    case Kind::kOther: return "unsupported signature algorithm";
  }
  return "unsupported signature algorithm";
}

Certificate::Certificate(x509_st* owned) : cert_(owned, X509_free) {
  unsigned char* out = nullptr;
  int length = i2d_X509(owned, &out);
  if (length <= 0) internal::die("i2d_X509");
  der_.assign(out, out + length);
  OPENSSL_free(out);
}

Result<Certificate> Certificate::from_der(ByteSpan der) {
  const unsigned char* cursor = der.data();
  X509* cert = d2i_X509(nullptr, &cursor, static_cast<long>(der.size()));
  if (cert == nullptr) {
    return internal::openssl_error(ErrorCode::kMalformed, "not a DER X.509 certificate");
  }
  if (cursor != der.data() + der.size()) {
    X509_free(cert);
    return Error(ErrorCode::kMalformed, "trailing bytes after the DER certificate");
  }
  return Certificate(cert);
}

Result<Certificate> Certificate::from_pem(std::string_view pem) {
  CLOISTER_ASSIGN_OR_RETURN(auto certs, parse_certificates(as_bytes(pem)));
  if (certs.size() != 1 || !looks_like_pem(as_bytes(pem))) {
    return Error(ErrorCode::kMalformed,
                 "expected exactly one PEM certificate, found " + std::to_string(certs.size()));
  }
  return certs.front();
}

std::string Certificate::to_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert_.get()) != 1) internal::die("PEM_write_bio_X509");
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<size_t>(length)};
}

std::string Certificate::subject() const {
  return name_to_string(X509_get_subject_name(cert_.get()));
}

std::string Certificate::issuer() const {
  return name_to_string(X509_get_issuer_name(cert_.get()));
}

std::optional<std::string> Certificate::subject_attribute(std::string_view short_name) const {
  int nid = OBJ_txt2nid(std::string(short_name).c_str());
  if (nid == NID_undef) return std::nullopt;
  const X509_NAME* name = X509_get_subject_name(cert_.get());
  int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return std::nullopt;
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) {
    internal::drain_openssl_errors();
    return std::nullopt;
  }
  std::string text(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return text;
}

std::string Certificate::serial_hex() const {
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr);
  if (serial == nullptr) internal::die("ASN1_INTEGER_to_BN");
  char* hex = BN_bn2hex(serial);
  std::string text = hex == nullptr ? "" : hex;
  OPENSSL_free(hex);
  BN_free(serial);
  return text;
}

TimePoint Certificate::not_before() const {
  return internal::asn1_time_to_point(X509_get0_notBefore(cert_.get()));
}

TimePoint Certificate::not_after() const {
  return internal::asn1_time_to_point(X509_get0_notAfter(cert_.get()));
}

bool Certificate::valid_at(TimePoint at) const { return not_before() <= at && at <= not_after(); }

Sha256Digest Certificate::fingerprint() const { return sha256(der_); }

Result<PublicKey> Certificate::public_key() const {
  EVP_PKEY* key = X509_get_pubkey(cert_.get());
  if (key == nullptr) {
    return internal::openssl_error(ErrorCode::kMalformed, "certificate public key does not parse");
  }
  return PublicKey(key);
}

Result<std::optional<Bytes>> Certificate::extension(std::string_view oid) const {
  internal::AsnObjectPtr object(OBJ_txt2obj(std::string(oid).c_str(), 1));
  if (!object) {
    internal::drain_openssl_errors();
    return Error(ErrorCode::kInvalidArgument, "not a dotted OID: " + std::string(oid));
  }
  int index = X509_get_ext_by_OBJ(cert_.get(), object.get(), -1);
  if (index < 0) return std::optional<Bytes>();
  if (X509_get_ext_by_OBJ(cert_.get(), object.get(), index) >= 0) {
    return Error(ErrorCode::kMalformed, "extension " + std::string(oid) + " appears twice");
  }
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(cert_.get(), index));
  const unsigned char* data = ASN1_STRING_get0_data(value);
  return std::optional<Bytes>(Bytes(data, data + ASN1_STRING_length(value)));
}

std::vector<std::string> Certificate::extension_oids() const {
  std::vector<std::string> oids;
  for (int i = 0; i < X509_get_ext_count(cert_.get()); ++i) {
    char text[128] = {};
    OBJ_obj2txt(text, sizeof(text), X509_EXTENSION_get_object(X509_get_ext(cert_.get(), i)), 1);
    oids.emplace_back(text);
  }
  return oids;
}

bool Certificate::is_self_issued() const {
  return X509_NAME_cmp(X509_get_subject_name(cert_.get()), X509_get_issuer_name(cert_.get())) == 0;
}

SignatureAlgorithm Certificate::signature_algorithm() const {
  SignatureAlgorithm result;
  const X509_ALGOR* algorithm = nullptr;
  X509_get0_signature(nullptr, &algorithm, cert_.get());
  const ASN1_OBJECT* object = nullptr;
  int param_type = 0;
  const void* param = nullptr;
  X509_ALGOR_get0(&object, &param_type, &param, algorithm);
  int nid = OBJ_obj2nid(object);
  if (nid == NID_rsassaPss) {
    ASN1_TYPE* type = param_type == V_ASN1_UNDEF ? nullptr : ASN1_TYPE_new();
    if (type != nullptr) {
      ASN1_TYPE_set1(type, param_type, param);
    }
    decode_pss_params(type, &result);
    ASN1_TYPE_free(type);
    return result;
  }
  int digest_nid = NID_undef;
  int pkey_nid = NID_undef;
  if (OBJ_find_sigid_algs(nid, &digest_nid, &pkey_nid) != 1) return result;
  result.hash = hash_from_nid(digest_nid);
  if (pkey_nid == NID_rsaEncryption) result.kind = SignatureAlgorithm::Kind::kRsaPkcs1;
  if (pkey_nid == NID_X9_62_id_ecPublicKey) result.kind = SignatureAlgorithm::Kind::kEcdsa;
  return result;
}

bool Certificate::signature_verifies_with(const PublicKey& issuer_key) const {
  bool ok = X509_verify(cert_.get(), issuer_key.native()) == 1;
  internal::drain_openssl_errors();
  return ok;
}

bool looks_like_pem(ByteSpan data) { return to_string(data).find(kPemMarker) != std::string::npos; }

Result<std::vector<Certificate>> parse_certificates(ByteSpan data) {
  std::vector<Certificate> certs;
  if (looks_like_pem(data)) {
    BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    if (!bio) internal::die("BIO_new_mem_buf");
    while (true) {
      X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
      if (cert == nullptr) break;
      certs.emplace_back(cert);
    }
    std::string leftover = internal::drain_openssl_errors();
    // PEM_read stops with "no start line" at the end; anything else is a bad block.
    if (!leftover.empty() && leftover.find("no start line") == std::string::npos) {
      return Error(ErrorCode::kMalformed, "bad PEM certificate block: " + leftover);
    }
  } else {
    ByteReader reader(data);
    while (!reader.empty()) {
      ByteSpan before = reader.peek_rest();
      CLOISTER_ASSIGN_OR_RETURN(auto element, reader.read_der(0x30, "DER certificate"));
      (void)element;
      ByteSpan one = before.first(before.size() - reader.remaining());
      CLOISTER_ASSIGN_OR_RETURN(Certificate cert, Certificate::from_der(one));
      certs.push_back(std::move(cert));
    }
  }
  if (certs.empty()) return Error(ErrorCode::kMalformed, "no certificate found");
  return certs;
}

}  // namespace cloister::crypto
