#include "crypto/crl.h"

#include <openssl/pem.h>

#include "crypto/openssl_util.h"

namespace cloister::crypto {
Crl::Crl(X509_crl_st* owned) : crl_(owned, X509_CRL_free) {}

Result<Crl> Crl::parse(ByteSpan data) {
  X509_CRL* crl = nullptr;
  if (looks_like_pem(data)) {
    internal::BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    if (!bio) internal::die("BIO_new_mem_buf");
    crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
  } else {
    const unsigned char* cursor = data.data();
    crl = d2i_X509_CRL(nullptr, &cursor, static_cast<long>(data.size()));
    if (crl != nullptr && cursor != data.data() + data.size()) {
      X509_CRL_free(crl);
      return Error(ErrorCode::kMalformed, "trailing bytes after the DER CRL");
    }
  }
  if (crl == nullptr) return internal::openssl_error(ErrorCode::kMalformed, "not an X.509 CRL");
  return Crl(crl);
}

std::string Crl::issuer() const {
  internal::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) internal::die("BIO_new");
  X509_NAME_print_ex(bio.get(), X509_CRL_get_issuer(crl_.get()), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<size_t>(length)};
}

TimePoint Crl::this_update() const {
  return internal::asn1_time_to_point(X509_CRL_get0_lastUpdate(crl_.get()));
}

std::optional<TimePoint> Crl::next_update() const {
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl_.get());
  if (next == nullptr) return std::nullopt;
  return internal::asn1_time_to_point(next);
}

bool Crl::revokes(const Certificate& cert) const {
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl_.get()), X509_get_issuer_name(cert.native())) != 0) {
    return false;
  }
  X509_REVOKED* entry = nullptr;
  return X509_CRL_get0_by_cert(crl_.get(), &entry, cert.native()) == 1;
}

bool Crl::signature_verifies_with(const PublicKey& issuer_key) const {
  bool ok = X509_CRL_verify(crl_.get(), issuer_key.native()) == 1;
  internal::drain_openssl_errors();
  return ok;
}

}  // namespace cloister::crypto
