#include "attest/verdict.h"

namespace cloister::attest {

std::string_view platform_name(Platform platform) {
  switch (platform) {
    case Platform::kSnp: return "snp";
    case Platform::kTdx: return "tdx";
    case Platform::kNvidia: return "nvidia";
  }
  return "unknown";
}

Result<Platform> parse_platform(std::string_view name) {
  if (name == "snp") return Platform::kSnp;
  if (name == "tdx") return Platform::kTdx;
  if (name == "nvidia") return Platform::kNvidia;
  return Error(ErrorCode::kInvalidArgument,
               "unknown platform \"" + std::string(name) + "\" (want snp, tdx or nvidia)");
}

std::string_view reason_name(Reason reason) {
  switch (reason) {
    case Reason::kMalformedEvidence: return "malformed evidence";
    case Reason::kUnsupportedEvidence: return "unsupported evidence";
    case Reason::kRootNotPinned: return "root not pinned";
    case Reason::kChainInvalid: return "certificate chain invalid";
    case Reason::kCertificateNotValidNow: return "certificate not valid at this time";
    case Reason::kCertificateRevoked: return "certificate revoked";
    case Reason::kCrlInvalid: return "CRL invalid";
    case Reason::kCertificateAlgorithm: return "certificate algorithm not allowed";
    case Reason::kProductMismatch: return "product mismatch";
    case Reason::kSimulatedNotAllowed: return "SIMULATED evidence not allowed";
    case Reason::kSignatureInvalid: return "signature invalid";
    case Reason::kQeReportSignatureInvalid: return "QE report signature invalid";
    case Reason::kAttestationKeyNotBound: return "attestation key not bound";
    case Reason::kCollateralInvalid: return "collateral invalid";
    case Reason::kCollateralNotValidNow: return "collateral not valid at this time";
    case Reason::kFmspcMismatch: return "FMSPC mismatch";
    case Reason::kQeIdentityMismatch: return "QE identity mismatch";
    case Reason::kTdxModuleMismatch: return "TDX module identity mismatch";
    case Reason::kTcbLevelNotMatched: return "no TCB level matched";
    case Reason::kTcbStatusNotAccepted: return "TCB status not accepted";
    case Reason::kReportedTcbMismatch: return "reported TCB differs from certificate TCB";
    case Reason::kCertificateTcbAboveCurrent: return "certificate TCB above current TCB";
    case Reason::kTcbBelowMinimum: return "TCB below minimum";
    case Reason::kChipIdMismatch: return "chip id mismatch";
    case Reason::kDebugPolicySet: return "debug policy set";
    case Reason::kMigrationAgentAllowed: return "migration agent allowed";
    case Reason::kSmtNotAllowed: return "SMT not allowed";
    case Reason::kVmplMismatch: return "VMPL mismatch";
    case Reason::kGuestSvnBelowMinimum: return "guest SVN below minimum";
    case Reason::kMeasurementNotInRelease: return "measurement not in release";
    case Reason::kRtmrMismatch: return "RTMR mismatch";
    case Reason::kGoldenMeasurementMismatch: return "measurement differs from RIM";
    case Reason::kReportDataMismatch: return "report_data mismatch";
    case Reason::kNonceMismatch: return "nonce mismatch";
  }
  return "unknown reason";
}

std::string Failure::to_string() const { return std::string(reason_name(reason)) + ": " + detail; }

bool Verdict::has(Reason reason) const {
  for (const Failure& failure : failures) {
    if (failure.reason == reason) return true;
  }
  return false;
}

std::string Verdict::headline() const {
  std::string text = simulated ? "SIMULATED " : "";
  return text + (accepted() ? "ACCEPTED" : "REJECTED");
}

std::string Verdict::to_text() const {
  std::string text = headline() + "\n";
  if (simulated) {
    text += "  WARNING: SIMULATED evidence from a development stand-in chain, not from hardware\n";
  }
  for (const std::string& check : passed) text += "  ok      " + check + "\n";
  for (const Failure& failure : failures) text += "  FAILED  " + failure.to_string() + "\n";
  for (const std::string& note : notes) text += "  note    " + note + "\n";
  return text;
}

}  // namespace cloister::attest
