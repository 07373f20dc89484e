// The outcome of verifying evidence: which named checks passed, and for each
// failure a named reason plus a precise detail. A verdict accepts only when no
// check failed. Reasons are stable identifiers; docs/attestation.md lists them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cloister::attest {

enum class Platform { kSnp, kTdx, kNvidia };

// Returns "snp", "tdx" or "nvidia".
std::string_view platform_name(Platform platform);
// Parses "snp", "tdx" or "nvidia" (case-sensitive).
Result<Platform> parse_platform(std::string_view name);

enum class Reason {
  // Parsing and structure.
  kMalformedEvidence,
  kUnsupportedEvidence,
  // Chain step.
  kRootNotPinned,
  kChainInvalid,
  kCertificateNotValidNow,
  kCertificateRevoked,
  kCrlInvalid,
  kCertificateAlgorithm,
  kProductMismatch,
  kSimulatedNotAllowed,
  // Signature step.
  kSignatureInvalid,
  kQeReportSignatureInvalid,
  kAttestationKeyNotBound,
  // Collateral (TDX).
  kCollateralInvalid,
  kCollateralNotValidNow,
  kFmspcMismatch,
  kQeIdentityMismatch,
  kTdxModuleMismatch,
  kTcbLevelNotMatched,
  kTcbStatusNotAccepted,
  // Policy step.
  kReportedTcbMismatch,
  kCertificateTcbAboveCurrent,
  kTcbBelowMinimum,
  kChipIdMismatch,
  kDebugPolicySet,
  kMigrationAgentAllowed,
  kSmtNotAllowed,
  kVmplMismatch,
  kGuestSvnBelowMinimum,
  kMeasurementNotInRelease,
  kRtmrMismatch,
  kGoldenMeasurementMismatch,
  // Binding step.
  kReportDataMismatch,
  kNonceMismatch,
};

// Returns the reason's stable human name, e.g. "debug policy set".
std::string_view reason_name(Reason reason);

struct Failure {
  Reason reason;
  std::string detail;  // says exactly which value failed which check

  // Returns "<reason name>: <detail>".
  std::string to_string() const;
};

struct Verdict {
  bool simulated = false;           // evidence from the SIMULATED provider
  std::vector<std::string> passed;  // named checks that passed, in order
  std::vector<Failure> failures;    // every failed check, in order
  std::vector<std::string> notes;   // checks skipped by policy, and other facts

  // Returns true when no check failed.
  bool accepted() const { return failures.empty(); }
  // Returns true if some failure has `reason`.
  bool has(Reason reason) const;
  // Records a passed check.
  void pass(std::string check) { passed.push_back(std::move(check)); }
  // Records a failed check.
  void fail(Reason reason, std::string detail) { failures.push_back({reason, std::move(detail)}); }
  // Records a fact or a check the policy skipped.
  void note(std::string text) { notes.push_back(std::move(text)); }
  // Returns "ACCEPTED" or "REJECTED", prefixed with "SIMULATED " for simulated evidence.
  std::string headline() const;
  // Returns the headline followed by one line per passed check, failure and note.
  std::string to_text() const;
};

}  // namespace cloister::attest
