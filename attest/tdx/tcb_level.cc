#include "attest/tdx/tcb_level.h"

#include <cstdio>

#include "base/encoding.h"

namespace cloister::attest::tdx {
namespace {

template <size_t N>
bool all_at_least(const std::array<uint8_t, N>& have, const std::array<uint8_t, N>& floor,
                  size_t from = 0) {
  for (size_t i = from; i < N; ++i) {
    if (have[i] < floor[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<TcbMatch> match_tcb_level(const TcbInfo& info, const PckExtensions& pck,
                                        const TdReportBody& body) {
  // With module identities, bytes 0 and 1 of TEE_TCB_SVN (the module's SVN
  // and major version) are judged by the identity's own levels instead.
  const size_t first_tdx_component =
      !info.module_identities.empty() && body.tee_tcb_svn[1] > 0 ? 2 : 0;
  for (const TdxTcbLevel& level : info.levels) {
    if (all_at_least(pck.sgx_tcb_components, level.sgx_components) &&
        pck.pce_svn >= level.pce_svn &&
        all_at_least(body.tee_tcb_svn, level.tdx_components, first_tdx_component)) {
      return TcbMatch{&level};
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_tdx_module(const TcbInfo& info, const TdReportBody& body) {
  const TdxModuleIdentity* identity = nullptr;
  std::string name = "tdxModule";
  if (!info.module_identities.empty()) {
    char id[16];
    std::snprintf(id, sizeof(id), "TDX_%02X", body.tee_tcb_svn[1]);
    for (const TdxModuleIdentity& candidate : info.module_identities) {
      if (candidate.id == id) identity = &candidate;
    }
    if (identity == nullptr) return "no tdxModuleIdentities entry " + std::string(id);
    name = id;
  } else if (info.tdx_module) {
    identity = &*info.tdx_module;
  } else {
    return std::nullopt;  // TCB info without module data: nothing to compare
  }
  if (identity->mr_signer != body.mr_signer_seam) {
    return "MRSIGNERSEAM " + hex_encode(body.mr_signer_seam) + " is not " + name + "'s " +
           hex_encode(identity->mr_signer);
  }
  if ((body.seam_attributes & identity->attributes_mask) != identity->attributes) {
    return "SEAMATTRIBUTES do not match " + name;
  }
  if (!identity->levels.empty()) {
    for (const auto& level : identity->levels) {
      if (body.tee_tcb_svn[0] >= level.isv_svn) {
        if (level.status != "UpToDate") return name + " TCB status is " + level.status;
        return std::nullopt;
      }
    }
    return "TDX module SVN " + std::to_string(body.tee_tcb_svn[0]) + " is below every " + name +
           " level";
  }
  return std::nullopt;
}

Result<std::string> check_qe_identity(const QeIdentity& identity, const EnclaveReport& qe) {
  auto mismatch = [](std::string what) { return Error(ErrorCode::kRejected, std::move(what)); };
  if ((qe.misc_select & identity.misc_select_mask) !=
      (identity.misc_select & identity.misc_select_mask)) {
    return mismatch("QE MISCSELECT does not match the QE identity");
  }
  for (size_t i = 0; i < qe.attributes.size(); ++i) {
    if ((qe.attributes[i] & identity.attributes_mask[i]) !=
        (identity.attributes[i] & identity.attributes_mask[i])) {
      return mismatch("QE ATTRIBUTES " + hex_encode(qe.attributes) +
                      " do not match the QE identity under its mask");
    }
  }
  if (qe.mr_signer != identity.mr_signer) {
    return mismatch("QE MRSIGNER " + hex_encode(qe.mr_signer) + " is not Intel's " +
                    hex_encode(identity.mr_signer));
  }
  if (qe.isv_prod_id != identity.isv_prod_id) {
    return mismatch("QE ISVPRODID " + std::to_string(qe.isv_prod_id) + " is not " +
                    std::to_string(identity.isv_prod_id));
  }
  for (const QeIdentityLevel& level : identity.levels) {
    if (qe.isv_svn >= level.isv_svn) return level.status;
  }
  return mismatch("QE ISVSVN " + std::to_string(qe.isv_svn) + " is below every QE identity level");
}

}  // namespace cloister::attest::tdx
