#include "attest/evidence.h"

#include "attest/nvidia/verifier.h"
#include "attest/snp/verifier.h"
#include "attest/tdx/verifier.h"

namespace cloister::attest {

void Policy::expect_report_data(const std::array<uint8_t, 64>& report_data) {
  snp.expected_report_data = report_data;
  tdx.expected_report_data = report_data;
}

VerifiedEvidence verify_evidence(const EvidenceBytes& evidence, const Policy& policy,
                                 const Clock& clock, const TrustedRoots& roots) {
  switch (evidence.platform) {
    case Platform::kSnp:
      return snp::verify(evidence.report, evidence.collateral, policy.snp, clock, roots);
    case Platform::kTdx: {
      auto collateral = tdx::decode_collateral(evidence.collateral);
      if (!collateral.ok()) {
        VerifiedEvidence out;
        out.claims.platform = Platform::kTdx;
        out.verdict.fail(Reason::kMalformedEvidence, collateral.error().message());
        return out;
      }
      return tdx::verify(evidence.report, *collateral, policy.tdx, clock, roots);
    }
    case Platform::kNvidia:
      return nvidia::verify(evidence.report, evidence.collateral, policy.nvidia, clock, roots);
  }
  VerifiedEvidence out;
  out.verdict.fail(Reason::kUnsupportedEvidence, "unknown platform");
  return out;
}

namespace {
constexpr uint8_t kGpuEvidenceVersion = 1;
}  // namespace

Bytes encode_gpu_evidence(const EvidenceBytes& nvidia) {
  ByteWriter writer;
  writer.put_u8(kGpuEvidenceVersion);
  for (const Bytes* part : {&nvidia.report, &nvidia.collateral}) {
    writer.put_u32be(static_cast<uint32_t>(part->size()));
    writer.put_bytes(*part);
  }
  return writer.take();
}

Result<EvidenceBytes> decode_gpu_evidence(ByteSpan packed) {
  ByteReader reader(packed);
  CLOISTER_ASSIGN_OR_RETURN(uint8_t version, reader.read_u8("GPU evidence version"));
  if (version != kGpuEvidenceVersion) {
    return Error(ErrorCode::kUnsupported,
                 "GPU evidence version " + std::to_string(version) + " is not 1");
  }
  CLOISTER_ASSIGN_OR_RETURN(ByteReader report, reader.read_u32be_prefixed("GPU SPDM evidence"));
  CLOISTER_ASSIGN_OR_RETURN(ByteReader chain, reader.read_u32be_prefixed("GPU certificate chain"));
  CLOISTER_TRY(reader.expect_end("GPU evidence"));
  return EvidenceBytes{.platform = Platform::kNvidia,
                       .report = to_bytes(report.read_rest()),
                       .collateral = to_bytes(chain.read_rest())};
}

Result<Claims> parse_evidence(Platform platform, ByteSpan report) {
  Claims claims;
  claims.platform = platform;
  switch (platform) {
    case Platform::kSnp: {
      CLOISTER_ASSIGN_OR_RETURN(snp::Report parsed, snp::parse_report(report));
      claims.measurement = to_bytes(parsed.measurement);
      claims.report_data = to_bytes(parsed.report_data);
      claims.snp = SnpClaims{.report = parsed};
      return claims;
    }
    case Platform::kTdx: {
      CLOISTER_ASSIGN_OR_RETURN(tdx::Quote parsed, tdx::parse_quote(report));
      claims.measurement = to_bytes(parsed.body.mr_td);
      claims.report_data = to_bytes(parsed.body.report_data);
      claims.tdx = TdxClaims{.quote = parsed};
      return claims;
    }
    case Platform::kNvidia: {
      CLOISTER_ASSIGN_OR_RETURN(nvidia::SpdmEvidence parsed, nvidia::parse_spdm_evidence(report));
      claims.nvidia = NvidiaClaims{.evidence = parsed};
      return claims;
    }
  }
  return Error(ErrorCode::kInvalidArgument, "unknown platform");
}

}  // namespace cloister::attest
