// What verified evidence says, decoded: the measurement and REPORT_DATA every
// platform has, plus each platform's own fields. Claims are filled as far as
// parsing got, even when the verdict rejects, so that tools can show them;
// only an accepted verdict makes them trustworthy.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attest/nvidia/spdm.h"
#include "attest/snp/endorsement_key.h"
#include "attest/snp/report.h"
#include "attest/tdx/quote.h"
#include "attest/verdict.h"

namespace cloister::attest {

struct SnpClaims {
  snp::Report report{};
  std::optional<AmdProduct> product{};                       // from the pinned ARK
  std::optional<snp::EndorsementKeyInfo> endorsement_key{};  // from the VCEK/VLEK
};

struct TdxClaims {
  tdx::Quote quote{};
  std::optional<std::string> tcb_status{};     // Intel's status for the matched TCB level
  std::optional<std::string> tcb_date{};       // tcbDate of the matched level
  std::vector<std::string> advisory_ids{};     // of the matched level
  std::optional<std::string> qe_tcb_status{};  // the QE identity's status
  std::optional<std::string> fmspc{};          // hex, from the PCK certificate
};

struct NvidiaClaims {
  nvidia::SpdmEvidence evidence{};
  std::optional<std::string> device_subject{};  // the attestation leaf certificate
};

struct Claims {
  Platform platform = Platform::kSnp;
  bool simulated = false;
  Bytes measurement{};  // SNP MEASUREMENT or TDX MRTD (48 bytes); empty for NVIDIA
  Bytes report_data{};  // SNP REPORT_DATA or TDX REPORTDATA (64 bytes); empty for NVIDIA
  std::optional<SnpClaims> snp{};
  std::optional<TdxClaims> tdx{};
  std::optional<NvidiaClaims> nvidia{};
};

struct VerifiedEvidence {
  Verdict verdict;
  Claims claims;
};

}  // namespace cloister::attest
