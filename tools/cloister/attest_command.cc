#include "tools/cloister/attest_command.h"

#include <algorithm>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>

#include "attest/evidence.h"
#include "attest/input_form.h"
#include "attest/render.h"
#include "attest/tdx/collateral.h"
#include "base/encoding.h"
#include "base/files.h"

namespace cloister::tools {
namespace {

using attest::Platform;

// Options shared by every `verify` subcommand.
struct CommonOptions {
  std::string at;
  bool json = false;
};

struct SnpOptions : CommonOptions {
  std::string report, vcek, chain, policy, report_data;
  bool allow_debug = false;
};

struct TdxOptions : CommonOptions {
  std::string quote, tcb_info, qe_identity, tcb_signing_chain, pck_crl, root_crl, root, policy;
  bool allow_debug = false;
};

struct NvidiaOptions : CommonOptions {
  std::string report, certs, root, nonce;
};

struct ShowOptions {
  std::string platform, file;
  bool json = false;
};

Result<Bytes> read_input(const std::string& path) {
  auto bytes = read_file(path, size_t{64} << 20);
  if (!bytes.ok()) return bytes.error().with_context("cannot read input");
  return bytes;
}

Result<Bytes> read_blob(const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes file, read_input(path));
  auto decoded = attest::decode_blob(file);
  if (!decoded.ok()) return decoded.error().with_context(path);
  return std::move(decoded->bytes);
}

Result<Bytes> read_der_or_pem(const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes file, read_input(path));
  auto decoded = attest::decode_der_or_pem(file);
  if (!decoded.ok()) return decoded.error().with_context(path);
  return std::move(decoded->bytes);
}

// Reads certificates in any form and returns them as PEM.
Result<std::string> read_certificates_pem(const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes decoded, read_der_or_pem(path));
  auto certs = crypto::parse_certificates(decoded);
  if (!certs.ok()) return certs.error().with_context(path);
  std::string pem;
  for (const auto& cert : *certs) pem += cert.to_pem();
  return pem;
}

Result<TimePoint> verification_time(const std::string& at) {
  if (at.empty()) return system_clock().now();
  auto time = parse_rfc3339(at);
  if (!time.ok()) return time.error().with_context("--at");
  return time;
}

template <size_t N>
Result<std::array<uint8_t, N>> fixed_hex(const std::string& text, const std::string& flag) {
  auto bytes = hex_decode(text);
  if (!bytes.ok() || bytes->size() != N) {
    return Error(ErrorCode::kInvalidArgument,
                 flag + " must be " + std::to_string(N) + " bytes of hex");
  }
  std::array<uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

// Returns the fingerprint of the one root certificate in `path`.
Result<crypto::Sha256Digest> root_fingerprint(const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(std::string pem, read_certificates_pem(path));
  CLOISTER_ASSIGN_OR_RETURN(auto certs, crypto::parse_certificates(as_bytes(pem)));
  if (certs.size() != 1) {
    return Error(ErrorCode::kInvalidArgument, path + " must hold one root certificate");
  }
  return certs.front().fingerprint();
}

// Limits a vendor's pinned roots to the root an auditor named, which must
// itself be pinned: --root cannot make an unpinned root trusted.
std::vector<crypto::Sha256Digest> keep_if_pinned(const std::vector<crypto::Sha256Digest>& pinned,
                                                 const crypto::Sha256Digest& named) {
  if (std::find(pinned.begin(), pinned.end(), named) != pinned.end()) return {named};
  return {};
}

bool unusable(const attest::Verdict& verdict) {
  return verdict.has(attest::Reason::kMalformedEvidence) ||
         verdict.has(attest::Reason::kUnsupportedEvidence);
}

int print_verdict(const attest::VerifiedEvidence& verified, bool json) {
  if (json) {
    std::cout << attest::verified_to_json(verified).dump(2) << "\n";
  } else {
    std::cout << verified.verdict.to_text() << "\n" << attest::claims_to_text(verified.claims);
  }
  if (verified.verdict.accepted()) return kExitOk;
  return unusable(verified.verdict) ? kExitUsage : kExitRejected;
}

// Runs `command`; an error means the input was unusable (exit 2).
int run_command(const Program& program, const std::function<Result<int>()>& command) {
  Result<int> code = command();
  return code.ok() ? *code : program.fail(code.error());
}

// Loads a JSON policy file with `parse` when `path` is set.
template <typename PolicyT>
Status load_policy(const std::string& path, Result<PolicyT> (*parse)(std::string_view),
                   PolicyT& out) {
  if (path.empty()) return ok_status();
  CLOISTER_ASSIGN_OR_RETURN(Bytes text, read_input(path));
  auto policy = parse(to_string(text));
  if (!policy.ok()) return policy.error().with_context(path);
  out = std::move(policy).value();
  return ok_status();
}

Result<int> verify_snp(const SnpOptions& options) {
  attest::Policy policy;
  CLOISTER_TRY(load_policy(options.policy, attest::snp::parse_policy_json, policy.snp));
  if (options.allow_debug) policy.snp.allow_debug = true;
  if (!options.report_data.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(policy.snp.expected_report_data,
                              fixed_hex<64>(options.report_data, "--report-data"));
  }
  CLOISTER_ASSIGN_OR_RETURN(std::string vcek, read_certificates_pem(options.vcek));
  CLOISTER_ASSIGN_OR_RETURN(std::string chain, read_certificates_pem(options.chain));
  CLOISTER_ASSIGN_OR_RETURN(Bytes report, read_blob(options.report));
  CLOISTER_ASSIGN_OR_RETURN(TimePoint at, verification_time(options.at));
  attest::EvidenceBytes evidence{.platform = Platform::kSnp,
                                 .report = std::move(report),
                                 .collateral = to_bytes(vcek + chain)};
  FixedClock clock(at);
  return print_verdict(attest::verify_evidence(evidence, policy, clock), options.json);
}

Result<int> verify_tdx(const TdxOptions& options) {
  attest::Policy policy;
  CLOISTER_TRY(load_policy(options.policy, attest::tdx::parse_policy_json, policy.tdx));
  if (options.allow_debug) policy.tdx.allow_debug = true;
  attest::tdx::TdxCollateral collateral;
  CLOISTER_ASSIGN_OR_RETURN(Bytes tcb_info, read_input(options.tcb_info));
  CLOISTER_ASSIGN_OR_RETURN(Bytes qe_identity, read_input(options.qe_identity));
  collateral.tcb_info_json = to_string(tcb_info);
  collateral.qe_identity_json = to_string(qe_identity);
  CLOISTER_ASSIGN_OR_RETURN(std::string signing_chain,
                            read_certificates_pem(options.tcb_signing_chain));
  collateral.tcb_signing_chain = to_bytes(signing_chain);
  CLOISTER_ASSIGN_OR_RETURN(collateral.pck_crl, read_der_or_pem(options.pck_crl));
  CLOISTER_ASSIGN_OR_RETURN(collateral.root_crl, read_der_or_pem(options.root_crl));
  CLOISTER_ASSIGN_OR_RETURN(crypto::Sha256Digest root, root_fingerprint(options.root));
  attest::TrustedRoots roots = attest::TrustedRoots::pinned();
  roots.intel_roots = keep_if_pinned(roots.intel_roots, root);
  CLOISTER_ASSIGN_OR_RETURN(Bytes quote, read_blob(options.quote));
  CLOISTER_ASSIGN_OR_RETURN(TimePoint at, verification_time(options.at));
  attest::EvidenceBytes evidence{.platform = Platform::kTdx,
                                 .report = std::move(quote),
                                 .collateral = attest::tdx::encode_collateral(collateral)};
  FixedClock clock(at);
  return print_verdict(attest::verify_evidence(evidence, policy, clock, roots), options.json);
}

Result<int> verify_nvidia(const NvidiaOptions& options) {
  attest::Policy policy;
  if (!options.nonce.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(policy.nvidia.expected_nonce,
                              fixed_hex<32>(options.nonce, "--nonce"));
  }
  CLOISTER_ASSIGN_OR_RETURN(std::string certs, read_certificates_pem(options.certs));
  CLOISTER_ASSIGN_OR_RETURN(std::string root_pem, read_certificates_pem(options.root));
  if (certs.find(root_pem) == std::string::npos) certs += root_pem;  // devices often omit it
  CLOISTER_ASSIGN_OR_RETURN(crypto::Sha256Digest root, root_fingerprint(options.root));
  attest::TrustedRoots roots = attest::TrustedRoots::pinned();
  roots.nvidia_roots = keep_if_pinned(roots.nvidia_roots, root);
  CLOISTER_ASSIGN_OR_RETURN(Bytes report, read_blob(options.report));
  CLOISTER_ASSIGN_OR_RETURN(TimePoint at, verification_time(options.at));
  attest::EvidenceBytes evidence{
      .platform = Platform::kNvidia, .report = std::move(report), .collateral = to_bytes(certs)};
  FixedClock clock(at);
  return print_verdict(attest::verify_evidence(evidence, policy, clock, roots), options.json);
}

Result<int> show(const ShowOptions& options) {
  CLOISTER_ASSIGN_OR_RETURN(Platform platform, attest::parse_platform(options.platform));
  CLOISTER_ASSIGN_OR_RETURN(Bytes blob, read_blob(options.file));
  auto claims = attest::parse_evidence(platform, blob);
  if (!claims.ok()) return claims.error().with_context(options.file);
  if (options.json) {
    std::cout << attest::claims_to_json(*claims).dump(2) << "\n";
  } else {
    std::cout << attest::claims_to_text(*claims);
  }
  return kExitOk;
}

void add_common(CLI::App* command, CommonOptions& options) {
  command->add_option("--at", options.at,
                      "Judge certificate and collateral validity at this RFC 3339 time "
                      "(default: now)");
  command->add_flag("--json", options.json, "Print the decoded claims and the verdict as JSON");
}

}  // namespace

void register_attest_commands(Program& program) {
  CLI::App* attest = program.app().add_subcommand(
      "attest", "Verify or show SEV-SNP, TDX and NVIDIA attestation evidence offline");
  attest->require_subcommand(1);
  CLI::App* verify = attest->add_subcommand(
      "verify", "Verify evidence: exit 0 accepted, 1 rejected, 2 unusable input");
  verify->require_subcommand(1);
  const std::string file_help = "raw binary, hex, PEM or DER; the form is detected";

  auto snp = std::make_shared<SnpOptions>();
  CLI::App* snp_command = verify->add_subcommand("snp", "Verify an AMD SEV-SNP report");
  snp_command->add_option("--report", snp->report, "The attestation report (" + file_help + ")")
      ->required();
  snp_command->add_option("--vcek", snp->vcek, "The VCEK or VLEK certificate")->required();
  snp_command->add_option("--chain", snp->chain, "AMD's ASK+ARK (or ASVK+ARK) certificates")
      ->required();
  snp_command->add_flag("--allow-debug", snp->allow_debug, "Accept a guest POLICY with DEBUG");
  snp_command->add_option("--policy", snp->policy, "A JSON policy file (see docs/attestation.md)");
  snp_command->add_option("--report-data", snp->report_data, "Expected REPORT_DATA, 64 bytes hex");
  add_common(snp_command, *snp);
  program.on(snp_command,
             [&program, snp] { return run_command(program, [&] { return verify_snp(*snp); }); });

  auto tdx = std::make_shared<TdxOptions>();
  CLI::App* tdx_command = verify->add_subcommand("tdx", "Verify an Intel TDX DCAP quote");
  tdx_command->add_option("--quote", tdx->quote, "The quote (" + file_help + ")")->required();
  tdx_command->add_option("--tcb-info", tdx->tcb_info, "TCB info JSON from Intel PCS")->required();
  tdx_command->add_option("--qe-identity", tdx->qe_identity, "QE identity JSON from Intel PCS")
      ->required();
  tdx_command
      ->add_option("--tcb-signing-chain", tdx->tcb_signing_chain,
                   "The Intel SGX TCB Signing certificate chain")
      ->required();
  tdx_command->add_option("--pck-crl", tdx->pck_crl, "The PCK CRL")->required();
  tdx_command->add_option("--root-crl", tdx->root_crl, "Intel's root CA CRL")->required();
  tdx_command->add_option("--root", tdx->root, "Intel's SGX Root CA certificate (must be pinned)")
      ->required();
  tdx_command->add_flag("--allow-debug", tdx->allow_debug, "Accept a TD with DEBUG set");
  tdx_command->add_option("--policy", tdx->policy, "A JSON policy file (see docs/attestation.md)");
  add_common(tdx_command, *tdx);
  program.on(tdx_command,
             [&program, tdx] { return run_command(program, [&] { return verify_tdx(*tdx); }); });

  auto nvidia = std::make_shared<NvidiaOptions>();
  CLI::App* nvidia_command =
      verify->add_subcommand("nvidia", "Verify NVIDIA GPU (SPDM GET_MEASUREMENTS) evidence");
  nvidia_command
      ->add_option("--report", nvidia->report, "SPDM request || response (" + file_help + ")")
      ->required();
  nvidia_command->add_option("--certs", nvidia->certs, "The GPU certificate chain, leaf first")
      ->required();
  nvidia_command
      ->add_option("--root", nvidia->root, "NVIDIA's device identity root (must be pinned)")
      ->required();
  nvidia_command->add_option("--nonce", nvidia->nonce, "Expected request nonce, 32 bytes hex");
  add_common(nvidia_command, *nvidia);
  program.on(nvidia_command, [&program, nvidia] {
    return run_command(program, [&] { return verify_nvidia(*nvidia); });
  });

  auto show_options = std::make_shared<ShowOptions>();
  CLI::App* show_command = attest->add_subcommand("show", "Decode evidence without verifying it");
  show_command->add_option("platform", show_options->platform, "snp, tdx or nvidia")
      ->required()
      ->check(CLI::IsMember({"snp", "tdx", "nvidia"}));
  show_command->add_option("file", show_options->file, "The evidence (" + file_help + ")")
      ->required();
  show_command->add_flag("--json", show_options->json, "Print the claims as JSON");
  program.on(show_command, [&program, show_options] {
    return run_command(program, [&] { return show(*show_options); });
  });
}

}  // namespace cloister::tools
