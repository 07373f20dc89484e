// Evidence through the kernel's configfs-tsm interface
// (Documentation/ABI/testing/configfs-tsm-report): make a directory under
// /sys/kernel/config/tsm/report, write the 64-byte REPORT_DATA to "inblob",
// read "outblob" (the SNP report or TDX quote), "auxblob" (on SNP the GHCB
// certificate table) and "provider" ("sev_guest" or "tdx_guest"). The
// "generation" counter, read before and after, must have advanced by exactly
// our one write; otherwise another writer raced us and the read is retried.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "attest/provider/provider.h"

namespace cloister::attest {

struct ConfigfsTsmOptions {
  std::filesystem::path root = "/sys/kernel/config/tsm/report";
  // The entry to create (or share, if it exists). Empty: "cloister-<pid>".
  std::string entry_name{};
  // Written to "privlevel" when set (the SNP VMPL the report is requested at).
  std::optional<uint32_t> privilege_level{};
  // Attempts before a persistent race is reported.
  int max_attempts = 3;
  // SNP: certificates to add to the auxblob's (e.g. ASK and ARK as PEM), for
  // hosts that supply only the VCEK.
  Bytes snp_extra_certificates{};
  // TDX: encoded collateral (tdx::encode_collateral) to attach to quotes.
  Bytes tdx_collateral{};
};

// What one configfs-tsm request returned.
struct TsmReport {
  std::string provider;  // e.g. "sev_guest"
  Bytes outblob;
  Bytes auxblob;
  uint64_t generation = 0;
};

// Requests one report for `inblob`. Fails with kUnavailable when configfs-tsm
// is absent, and kConflict when another writer raced every attempt.
Result<TsmReport> request_tsm_report(const ConfigfsTsmOptions& options, ByteSpan inblob);

class ConfigfsTsmProvider final : public EvidenceProvider {
 public:
  explicit ConfigfsTsmProvider(ConfigfsTsmOptions options) : options_(std::move(options)) {}
  // Returns "configfs-tsm".
  std::string_view name() const override { return "configfs-tsm"; }
  // Requests a report and checks that it carries `report_data`.
  Result<EvidenceBytes> produce(const ReportData& report_data) override;

 private:
  ConfigfsTsmOptions options_;
};

}  // namespace cloister::attest
