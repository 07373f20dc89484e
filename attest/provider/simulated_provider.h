// The SIMULATED evidence provider, for development on machines without a TEE.
// On first use it creates a stand-in for AMD's chain with AMD's algorithms
// (RSA-4096 ARK and ASK signing with RSASSA-PSS SHA-384, an EC P-384 VCEK
// carrying AMD's extensions) and keeps it in a state directory; afterwards it
// issues SNP-format version 3 reports signed by that VCEK. Its root is never
// pinned: verifiers accept it only with allow_simulated, and say SIMULATED.
#pragma once

#include <filesystem>

#include "attest/provider/provider.h"
#include "attest/snp/report.h"
#include "attest/snp/tcb.h"
#include "base/clock.h"
#include "crypto/private_key.h"
#include "crypto/x509.h"

namespace cloister::attest {

class SimulatedProvider final : public EvidenceProvider {
 public:
  // The TCB the stand-in VCEK certifies and every report states.
  static constexpr snp::TcbParts kTcb{
      .fmc = 0, .bootloader = 3, .tee = 0, .snp = 8, .microcode = 115};

  // Loads the stand-in chain from `state_directory`, creating the directory
  // and the chain on first use. Reports carry `measurement`.
  static Result<SimulatedProvider> open(const std::filesystem::path& state_directory,
                                        const crypto::Sha384Digest& measurement,
                                        const Clock& clock = system_clock());
  // Like open, with the simulated measurement of the running executable.
  static Result<SimulatedProvider> open_for_running_binary(
      const std::filesystem::path& state_directory, const Clock& clock = system_clock());

  // Returns "simulated".
  std::string_view name() const override { return "simulated"; }
  // Issues a v3 report with `report_data`, and the VCEK, ASK and ARK as PEM.
  Result<EvidenceBytes> produce(const ReportData& report_data) override;

  // Returns the report produce() would sign, for callers that change fields
  // before signing (tests of the verifier's policy checks).
  snp::Report report_template(const ReportData& report_data) const;
  // Signs `report` with the stand-in VCEK and returns its 1184 bytes.
  Result<Bytes> sign(snp::Report report) const;

  // VCEK, ASK and ARK as PEM, leaf first.
  const Bytes& certificate_chain() const { return chain_pem_; }
  // The stand-in root, and the chip id the stand-in VCEK certifies.
  const crypto::Certificate& ark() const { return ark_; }
  const std::array<uint8_t, 64>& chip_id() const { return chip_id_; }

 private:
  SimulatedProvider(crypto::PrivateKey vcek_key, crypto::Certificate ark, Bytes chain_pem,
                    std::array<uint8_t, 64> chip_id, const crypto::Sha384Digest& measurement)
      : vcek_key_(std::move(vcek_key)),
        ark_(std::move(ark)),
        chain_pem_(std::move(chain_pem)),
        chip_id_(chip_id),
        measurement_(measurement) {}

  crypto::PrivateKey vcek_key_;
  crypto::Certificate ark_;
  Bytes chain_pem_;
  std::array<uint8_t, 64> chip_id_;
  crypto::Sha384Digest measurement_;
};

}  // namespace cloister::attest
