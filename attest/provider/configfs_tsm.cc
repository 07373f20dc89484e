#include "attest/provider/configfs_tsm.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "attest/snp/chain.h"
#include "attest/snp/report.h"
#include "attest/tdx/quote.h"
#include "base/files.h"
#include "crypto/secret_bytes.h"

namespace cloister::attest {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxBlob = 1 << 20;

Error errno_error(ErrorCode code, const std::string& what) {
  return Error(code, what + ": " + std::strerror(errno));
}

// Writes `data` to a configfs attribute in one write(), as the kernel expects.
Status write_attribute(const fs::path& path, ByteSpan data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return errno_error(ErrorCode::kIo, "cannot open " + path.string());
  ssize_t written;
  do {
    written = ::write(fd, data.data(), data.size());
  } while (written < 0 && errno == EINTR);
  int saved = errno;
  bool closed = ::close(fd) == 0;
  errno = saved;
  if (written < 0 || static_cast<size_t>(written) != data.size() || !closed) {
    return errno_error(ErrorCode::kIo, "cannot write " + path.string());
  }
  return ok_status();
}

Result<uint64_t> read_generation(const fs::path& entry) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_text_file(entry / "generation", 64));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Error(ErrorCode::kMalformed, "configfs-tsm generation \"" + text + "\" is not a number");
  }
  return value;
}

// One attempt: returns nullopt when another writer changed the entry meanwhile.
Result<std::optional<TsmReport>> attempt(const fs::path& entry, ByteSpan inblob) {
  CLOISTER_ASSIGN_OR_RETURN(uint64_t before, read_generation(entry));
  CLOISTER_TRY(write_attribute(entry / "inblob", inblob));
  TsmReport report;
  CLOISTER_ASSIGN_OR_RETURN(report.outblob, read_file(entry / "outblob", kMaxBlob));
  auto auxblob = read_file(entry / "auxblob", kMaxBlob);
  if (auxblob.ok()) {
    report.auxblob = std::move(auxblob).value();
  } else if (auxblob.error().code() != ErrorCode::kNotFound) {
    return auxblob.error();
  }
  CLOISTER_ASSIGN_OR_RETURN(report.provider, read_text_file(entry / "provider", 256));
  while (!report.provider.empty() && report.provider.back() == '\n') report.provider.pop_back();
  CLOISTER_ASSIGN_OR_RETURN(report.generation, read_generation(entry));
  if (report.generation != before + 1) return std::optional<TsmReport>();
  return std::optional<TsmReport>(std::move(report));
}

// Creates the entry; returns whether this call created it (and must remove it).
Result<bool> make_entry(const fs::path& root, const fs::path& entry) {
  if (::mkdir(entry.c_str(), 0700) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno == ENOENT || errno == ENOTDIR) {
    return Error(ErrorCode::kUnavailable,
                 "configfs-tsm is not available: " + root.string() +
                     " does not exist (kernel without TSM reports, or configfs not mounted)");
  }
  return errno_error(ErrorCode::kIo, "cannot create " + entry.string());
}

}  // namespace

Result<TsmReport> request_tsm_report(const ConfigfsTsmOptions& options, ByteSpan inblob) {
  std::string name =
      options.entry_name.empty() ? "cloister-" + std::to_string(::getpid()) : options.entry_name;
  const fs::path entry = options.root / name;
  CLOISTER_ASSIGN_OR_RETURN(bool created, make_entry(options.root, entry));
  auto result = [&]() -> Result<TsmReport> {
    if (!fs::exists(entry / "inblob")) {
      return Error(ErrorCode::kUnavailable, entry.string() +
                                                " has no inblob: " + options.root.string() +
                                                " is not a configfs-tsm report directory");
    }
    if (options.privilege_level) {
      CLOISTER_TRY(
          write_attribute(entry / "privlevel", as_bytes(std::to_string(*options.privilege_level))));
    }
    for (int i = 0; i < options.max_attempts; ++i) {
      CLOISTER_ASSIGN_OR_RETURN(auto report, attempt(entry, inblob));
      if (report) return std::move(*report);
    }
    return Error(ErrorCode::kConflict, "another writer changed " + entry.string() +
                                           " during every one of " +
                                           std::to_string(options.max_attempts) + " attempts");
  }();
  if (created) ::rmdir(entry.c_str());
  return result;
}

Result<EvidenceBytes> ConfigfsTsmProvider::produce(const ReportData& report_data) {
  CLOISTER_ASSIGN_OR_RETURN(TsmReport report, request_tsm_report(options_, report_data));
  if (report.provider == "sev_guest") {
    CLOISTER_ASSIGN_OR_RETURN(snp::Report parsed, snp::parse_report(report.outblob));
    if (!crypto::constant_time_equals(parsed.report_data, report_data)) {
      return Error(ErrorCode::kConflict, "the SNP report's REPORT_DATA is not the one requested");
    }
    Bytes certificates;
    for (ByteSpan source : {ByteSpan(report.auxblob), ByteSpan(options_.snp_extra_certificates)}) {
      if (source.empty()) continue;
      CLOISTER_ASSIGN_OR_RETURN(auto certs, snp::parse_snp_certificates(source));
      for (const auto& cert : certs) {
        std::string pem = cert.to_pem();
        if (to_string(certificates).find(pem) == std::string::npos) {
          certificates.insert(certificates.end(), pem.begin(), pem.end());
        }
      }
    }
    if (certificates.empty()) {
      return Error(ErrorCode::kFailedPrecondition,
                   "the host supplied no certificates (empty auxblob) and none are configured");
    }
    return EvidenceBytes{.platform = Platform::kSnp,
                         .report = std::move(report.outblob),
                         .collateral = std::move(certificates)};
  }
  if (report.provider == "tdx_guest") {
    CLOISTER_ASSIGN_OR_RETURN(tdx::Quote parsed, tdx::parse_quote(report.outblob));
    if (!crypto::constant_time_equals(parsed.body.report_data, report_data)) {
      return Error(ErrorCode::kConflict, "the TDX quote's REPORTDATA is not the one requested");
    }
    if (options_.tdx_collateral.empty()) {
      return Error(ErrorCode::kFailedPrecondition, "no TDX collateral is configured");
    }
    return EvidenceBytes{.platform = Platform::kTdx,
                         .report = std::move(report.outblob),
                         .collateral = options_.tdx_collateral};
  }
  return Error(ErrorCode::kUnsupported, "configfs-tsm provider \"" + report.provider +
                                            "\" is neither sev_guest nor tdx_guest");
}

}  // namespace cloister::attest
