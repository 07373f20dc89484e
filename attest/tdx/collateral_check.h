// The collateral step of TDX verification: the TCB signing chain, the
// signatures and validity windows of TCB info and QE identity, and that the
// TCB info is for this platform (FMSPC, PCE-ID).
#pragma once

#include <optional>

#include "attest/tdx/collateral.h"
#include "attest/tdx/pck_extensions.h"
#include "attest/verdict.h"
#include "crypto/x509.h"

namespace cloister::attest::tdx {

struct CheckedCollateral {
  std::optional<TcbInfo> tcb_info;        // set when its signature verified
  std::optional<QeIdentity> qe_identity;  // set when its signature verified
};

// Runs the collateral step. `root` is the pinned Intel root the PCK chain
// ended in; the TCB signing chain must end in the same root.
CheckedCollateral check_collateral(const TdxCollateral& collateral, const crypto::Certificate& root,
                                   const PckExtensions& pck, TimePoint at, Verdict& verdict);

}  // namespace cloister::attest::tdx
