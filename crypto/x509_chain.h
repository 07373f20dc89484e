// Certificate path validation (RFC 5280) through OpenSSL's verifier, at an
// injected time, to one explicitly given root, optionally with CRLs for every
// certificate in the path. Failures come back typed, with the depth at which
// they occurred (0 is the leaf).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/crl.h"
#include "crypto/x509.h"

namespace cloister::crypto {

enum class ChainErrorKind {
  kSignature,      // a certificate is not signed by the next one up
  kNotYetValid,    // the time is before a certificate's notBefore
  kExpired,        // the time is after a certificate's notAfter
  kRevoked,        // a CRL lists a certificate in the path
  kCrlProblem,     // a CRL is missing, expired, not yet valid or badly signed
  kUntrustedRoot,  // the path does not end at the given root
  kOther,          // anything else OpenSSL rejects (bad extensions, path length, ...)
};

// Returns a short stable name, e.g. "expired".
std::string_view chain_error_kind_name(ChainErrorKind kind);

struct ChainError {
  ChainErrorKind kind;
  int depth;  // 0 = leaf; -1 if not tied to one certificate
  std::string message;
};

struct ChainOptions {
  TimePoint at{};             // verification time (the injected clock)
  std::vector<Crl> crls{};    // CRLs to consult
  bool require_crls = false;  // every certificate in the path needs a valid CRL
};

// Verifies that `leaf` chains through `intermediates` (in any order) to
// `root`, which must be self-signed; its self-signature is checked too.
// Returns nullopt on success, otherwise the first problem found.
std::optional<ChainError> verify_chain(const Certificate& leaf,
                                       std::span<const Certificate> intermediates,
                                       const Certificate& root, const ChainOptions& options);

}  // namespace cloister::crypto
