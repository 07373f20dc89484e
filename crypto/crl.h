// X.509 certificate revocation lists (RFC 5280) on OpenSSL 3.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "crypto/x509.h"

struct X509_crl_st;

namespace cloister::crypto {

// An immutable parsed CRL. Copies share the OpenSSL object.
class Crl {
 public:
  // Parses one CRL in DER, or one PEM "X509 CRL" block.
  static Result<Crl> parse(ByteSpan data);

  // Returns the issuer as a one-line RFC 2253 name, and when the CRL was issued.
  std::string issuer() const;
  TimePoint this_update() const;
  // Returns nextUpdate, or nullopt if the CRL has none.
  std::optional<TimePoint> next_update() const;
  // Returns true if the CRL lists `cert`'s serial number (issuer names must match).
  bool revokes(const Certificate& cert) const;
  // Returns true if the CRL's signature verifies under `issuer_key`.
  bool signature_verifies_with(const PublicKey& issuer_key) const;

  // The OpenSSL CRL, for the other wrappers in crypto/.
  X509_crl_st* native() const { return crl_.get(); }

 private:
  explicit Crl(X509_crl_st* owned);
  std::shared_ptr<X509_crl_st> crl_;
};

}  // namespace cloister::crypto
