// Issuing X.509 certificates, for stand-in chains that Cloister creates itself
// (the simulated evidence provider and tests). Signing uses RSASSA-PSS or
// ECDSA with an explicit hash, never a library default.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/private_key.h"
#include "crypto/x509.h"

namespace cloister::crypto {

// One relative distinguished name attribute, e.g. {"CN", "SEV-VCEK"}.
struct NameAttribute {
  std::string short_name;
  std::string value;
};

// An extension given by dotted OID and its raw extnValue contents.
struct RawExtension {
  std::string oid;
  bool critical = false;
  Bytes value;
};

enum class CertificateSigner {
  kRsaPssSha384,  // RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48 (AMD's ARK/ASK scheme)
  kEcdsaSha384,
  kEcdsaSha256,
};

struct CertificateTemplate {
  uint64_t serial = 0;
  std::vector<NameAttribute> subject{};
  TimePoint not_before{};
  TimePoint not_after{};
  bool is_ca = false;
  std::optional<int> path_length{};  // only for CAs
  std::vector<RawExtension> extensions{};
};

// Issues a certificate for `subject_key` described by `spec`, signed by
// `issuer_key`. With `issuer` null the certificate is self-issued (its issuer
// name is its own subject). Fails on an unknown attribute name or OID.
Result<Certificate> issue_certificate(const CertificateTemplate& spec, const PublicKey& subject_key,
                                      const Certificate* issuer, const PrivateKey& issuer_key,
                                      CertificateSigner signer);

}  // namespace cloister::crypto
