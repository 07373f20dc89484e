#include "attest/render.h"

#include <cstdio>

#include "attest/snp/tcb.h"
#include "base/encoding.h"

namespace cloister::attest {
namespace {

using nlohmann::json;

std::string hex_u64(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

constexpr std::string_view kSimulatedWarning =
    "SIMULATED evidence from a development stand-in chain, not from hardware";

// Without a verified chain the product is a guess from CPUID (v3+), else Milan's layout.
AmdProduct display_product(const SnpClaims& snp) {
  if (snp.product) return *snp.product;
  if (snp.report.cpuid) {
    if (snp.report.cpuid->family == 0x1A) return AmdProduct::kTurin;
    if ((snp.report.cpuid->model >> 4) == 1) return AmdProduct::kGenoa;
  }
  return AmdProduct::kMilan;
}

json tcb_json(uint64_t raw, AmdProduct product) {
  snp::TcbParts parts = snp::decode_tcb(raw, product);
  json out = {{"raw", hex_u64(raw)},
              {"bootloader", parts.bootloader},
              {"tee", parts.tee},
              {"snp", parts.snp},
              {"microcode", parts.microcode}};
  if (product == AmdProduct::kTurin) out["fmc"] = parts.fmc;
  return out;
}

json snp_json(const SnpClaims& snp) {
  const snp::Report& r = snp.report;
  AmdProduct product = display_product(snp);
  json out = {
      {"version", r.version},
      {"guest_svn", r.guest_svn},
      {"policy",
       {{"raw", hex_u64(r.policy.raw)},
        {"abi_major", r.policy.abi_major},
        {"abi_minor", r.policy.abi_minor},
        {"smt", r.policy.smt},
        {"migrate_ma", r.policy.migrate_ma},
        {"debug", r.policy.debug},
        {"single_socket", r.policy.single_socket},
        {"cxl_allowed", r.policy.cxl_allowed},
        {"mem_aes_256_xts", r.policy.mem_aes_256_xts},
        {"rapl_disabled", r.policy.rapl_disabled},
        {"ciphertext_hiding", r.policy.ciphertext_hiding},
        {"page_swap_disabled", r.policy.page_swap_disabled}}},
      {"vmpl", r.vmpl},
      {"signing_key", r.signing_key == snp::SigningKey::kVlek   ? "VLEK"
                      : r.signing_key == snp::SigningKey::kVcek ? "VCEK"
                                                                : "none"},
      {"measurement", hex_encode(r.measurement)},
      {"report_data", hex_encode(r.report_data)},
      {"host_data", hex_encode(r.host_data)},
      {"family_id", hex_encode(r.family_id)},
      {"image_id", hex_encode(r.image_id)},
      {"id_key_digest", hex_encode(r.id_key_digest)},
      {"author_key_digest", hex_encode(r.author_key_digest)},
      {"report_id", hex_encode(r.report_id)},
      {"chip_id", hex_encode(r.chip_id)},
      {"platform_info", hex_u64(r.platform_info)},
      {"tcb_layout", std::string(amd_product_name(product))},
      {"tcb",
       {{"current", tcb_json(r.current_tcb, product)},
        {"reported", tcb_json(r.reported_tcb, product)},
        {"committed", tcb_json(r.committed_tcb, product)},
        {"launch", tcb_json(r.launch_tcb, product)}}},
  };
  if (snp.product) out["product"] = std::string(amd_product_name(*snp.product));
  if (r.cpuid) {
    out["cpuid"] = {
        {"family", r.cpuid->family}, {"model", r.cpuid->model}, {"stepping", r.cpuid->stepping}};
  }
  if (snp.endorsement_key) {
    out["endorsement_key"] = {
        {"kind", snp.endorsement_key->kind == snp::EndorsementKind::kVcek ? "VCEK" : "VLEK"},
        {"product_name", snp.endorsement_key->product_name},
        {"tcb", snp.endorsement_key->tcb.describe(product)}};
  }
  return out;
}

json tdx_json(const TdxClaims& tdx) {
  const tdx::TdReportBody& body = tdx.quote.body;
  json rtmrs = json::array();
  for (const auto& rtmr : body.rtmr) rtmrs.push_back(hex_encode(rtmr));
  json out = {
      {"version", tdx.quote.header.version},
      {"mrtd", hex_encode(body.mr_td)},
      {"rtmrs", rtmrs},
      {"report_data", hex_encode(body.report_data)},
      {"td_attributes", {{"raw", hex_u64(body.td_attributes)}, {"debug", tdx::td_debug(body)}}},
      {"xfam", hex_u64(body.xfam)},
      {"tee_tcb_svn", hex_encode(body.tee_tcb_svn)},
      {"mr_seam", hex_encode(body.mr_seam)},
      {"mr_signer_seam", hex_encode(body.mr_signer_seam)},
      {"mr_config_id", hex_encode(body.mr_config_id)},
      {"mr_owner", hex_encode(body.mr_owner)},
      {"mr_owner_config", hex_encode(body.mr_owner_config)},
      {"tcb_status", tdx.tcb_status ? json(*tdx.tcb_status) : json("no TCB level matched")},
  };
  if (body.mr_service_td) out["mr_service_td"] = hex_encode(*body.mr_service_td);
  if (tdx.tcb_date) out["tcb_date"] = *tdx.tcb_date;
  if (!tdx.advisory_ids.empty()) out["advisory_ids"] = tdx.advisory_ids;
  if (tdx.qe_tcb_status) out["qe_tcb_status"] = *tdx.qe_tcb_status;
  if (tdx.fmspc) out["fmspc"] = *tdx.fmspc;
  return out;
}

json nvidia_json(const NvidiaClaims& nvidia) {
  const nvidia::SpdmEvidence& evidence = nvidia.evidence;
  json measurements = json::array();
  for (const auto& block : evidence.blocks) {
    measurements.push_back({{"index", block.index}, {"value", hex_encode(block.value)}});
  }
  char version[8];
  std::snprintf(version, sizeof(version), "%u.%u", evidence.spdm_version >> 4,
                evidence.spdm_version & 0xf);
  json out = {{"spdm_version", version},
              {"request_nonce", hex_encode(evidence.request_nonce)},
              {"response_nonce", hex_encode(evidence.response_nonce)},
              {"measurements", measurements}};
  if (evidence.driver_version) out["driver_version"] = *evidence.driver_version;
  if (evidence.vbios_version) out["vbios_version"] = *evidence.vbios_version;
  if (nvidia.device_subject) out["device"] = *nvidia.device_subject;
  return out;
}

void append_json_as_text(const json& value, const std::string& prefix, std::string& out) {
  if (value.is_object()) {
    for (const auto& item : value.items()) {
      append_json_as_text(item.value(), prefix.empty() ? item.key() : prefix + "." + item.key(),
                          out);
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      append_json_as_text(value[i], prefix + "[" + std::to_string(i) + "]", out);
    }
  } else {
    out += prefix + ": " + (value.is_string() ? value.get<std::string>() : value.dump()) + "\n";
  }
}

}  // namespace

json claims_to_json(const Claims& claims) {
  json out = {{"platform", std::string(platform_name(claims.platform))},
              {"simulated", claims.simulated}};
  if (claims.snp) out["snp"] = snp_json(*claims.snp);
  if (claims.tdx) out["tdx"] = tdx_json(*claims.tdx);
  if (claims.nvidia) out["nvidia"] = nvidia_json(*claims.nvidia);
  return out;
}

json verified_to_json(const VerifiedEvidence& verified) {
  const Verdict& verdict = verified.verdict;
  json failures = json::array();
  for (const Failure& failure : verdict.failures) {
    failures.push_back(
        {{"reason", std::string(reason_name(failure.reason))}, {"detail", failure.detail}});
  }
  json out = {{"platform", std::string(platform_name(verified.claims.platform))},
              {"simulated", verdict.simulated},
              {"verdict",
               {{"result", verdict.headline()},
                {"accepted", verdict.accepted()},
                {"passed", verdict.passed},
                {"failures", failures},
                {"notes", verdict.notes}}},
              {"claims", claims_to_json(verified.claims)}};
  if (verdict.simulated) out["warning"] = std::string(kSimulatedWarning);
  return out;
}

std::string claims_to_text(const Claims& claims) {
  std::string out;
  if (claims.simulated) out += "SIMULATED: " + std::string(kSimulatedWarning) + "\n";
  append_json_as_text(claims_to_json(claims), "", out);
  return out;
}

}  // namespace cloister::attest
