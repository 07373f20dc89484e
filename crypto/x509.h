// X.509 certificates on OpenSSL 3: parsing (DER, PEM, bundles), names,
// validity, fingerprints, raw extension values and the signature algorithm.
// Chain building lives in x509_chain.h; issuing certificates in
// x509_builder.h.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "crypto/public_key.h"

struct x509_st;

namespace cloister::crypto {

// What a certificate says it was signed with.
struct SignatureAlgorithm {
  enum class Kind { kRsaPss, kRsaPkcs1, kEcdsa, kOther };
  Kind kind = Kind::kOther;
  std::optional<HashAlgorithm> hash;   // message digest (for PSS, also checked against MGF1)
  int pss_salt_length = 0;             // only for kRsaPss
  bool pss_mgf1_matches_hash = false;  // only for kRsaPss

  // Returns e.g. "RSASSA-PSS SHA-384 salt 48" or "ECDSA SHA-256".
  std::string describe() const;
};

// An immutable parsed certificate. Copies share the OpenSSL object.
class Certificate {
 public:
  // Parses exactly one DER certificate; trailing bytes are an error.
  static Result<Certificate> from_der(ByteSpan der);
  // Parses exactly one PEM "CERTIFICATE" block.
  static Result<Certificate> from_pem(std::string_view pem);

  // The DER encoding, as parsed.
  const Bytes& der() const { return der_; }
  // Returns the PEM encoding ("-----BEGIN CERTIFICATE-----" ...).
  std::string to_pem() const;
  // Return the subject and issuer as one-line RFC 2253 distinguished names.
  std::string subject() const;
  std::string issuer() const;
  // Returns the first value of the subject attribute with this short name
  // ("CN", "O", "OU", ...), or nullopt.
  std::optional<std::string> subject_attribute(std::string_view short_name) const;
  // Returns the serial number as upper-case hex without leading zeros.
  std::string serial_hex() const;
  // The validity window; times past 2262 clamp to TimePoint::max().
  TimePoint not_before() const;
  TimePoint not_after() const;
  // Returns true if not_before <= at <= not_after.
  bool valid_at(TimePoint at) const;
  // Returns SHA-256 of the DER encoding.
  Sha256Digest fingerprint() const;
  // Returns the subject public key, or an error if it does not parse.
  Result<PublicKey> public_key() const;
  // Returns the extnValue contents of the extension with dotted `oid`,
  // nullopt if absent, and an error if it appears more than once.
  Result<std::optional<Bytes>> extension(std::string_view oid) const;
  // Returns the dotted OIDs of every extension, in order.
  std::vector<std::string> extension_oids() const;
  // Returns true if subject and issuer names are equal.
  bool is_self_issued() const;
  // Returns the algorithm the certificate says it is signed with.
  SignatureAlgorithm signature_algorithm() const;
  // Returns true if this certificate's signature verifies under `issuer_key`
  // (whatever algorithm the certificate names).
  bool signature_verifies_with(const PublicKey& issuer_key) const;

  // The OpenSSL certificate, for the other wrappers in crypto/.
  x509_st* native() const { return cert_.get(); }
  // Wraps an OpenSSL certificate, taking ownership of one reference.
  explicit Certificate(x509_st* owned);

 private:
  std::shared_ptr<x509_st> cert_;
  Bytes der_;
};

// Parses every certificate in `data`: one or more PEM blocks (other text is
// ignored), or one or more concatenated DER certificates. Fails if there is
// none or any block does not parse.
Result<std::vector<Certificate>> parse_certificates(ByteSpan data);

// Returns true if `data` looks like PEM (contains "-----BEGIN ").
bool looks_like_pem(ByteSpan data);

}  // namespace cloister::crypto
