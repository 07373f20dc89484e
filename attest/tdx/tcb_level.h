// Intel's TCB evaluation for TDX (Intel DCAP "TDX TCB level matching"): the
// first TCB level, in the order PCS lists them, whose SGX components and
// PCESVN are all at or below the PCK certificate's, and whose TDX components
// are at or below the quote's TEE_TCB_SVN, gives the platform's TCB status.
#pragma once

#include <optional>
#include <string>

#include "attest/tdx/collateral.h"
#include "attest/tdx/pck_extensions.h"
#include "attest/tdx/quote.h"

namespace cloister::attest::tdx {

struct TcbMatch {
  const TdxTcbLevel* level;  // points into the TcbInfo
};

// Returns the matching level, or nullopt if the platform is below every level.
std::optional<TcbMatch> match_tcb_level(const TcbInfo& info, const PckExtensions& pck,
                                        const TdReportBody& body);

// Checks the quote's TDX module (MRSIGNERSEAM, SEAMATTRIBUTES) against the TCB
// info's tdxModule or, when present, the tdxModuleIdentities entry named
// "TDX_<major>". Returns a failure description, or nullopt if it matches.
std::optional<std::string> check_tdx_module(const TcbInfo& info, const TdReportBody& body);

// Checks the QE report against the QE identity. On success returns the
// matched level's status; on failure, the reason as an error.
Result<std::string> check_qe_identity(const QeIdentity& identity, const EnclaveReport& qe);

}  // namespace cloister::attest::tdx
