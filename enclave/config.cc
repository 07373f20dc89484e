#include "enclave/config.h"

#include <charconv>

namespace cloister::enclave {
namespace {

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

}  // namespace

Result<ProviderKind> parse_provider_kind(std::string_view name) {
  if (name == "simulated") return ProviderKind::kSimulated;
  if (name == "configfs-tsm") return ProviderKind::kConfigfsTsm;
  if (name == "sev-guest") return ProviderKind::kSevGuest;
  return invalid("the evidence provider must be simulated, configfs-tsm or sev-guest");
}

std::string_view provider_kind_name(ProviderKind kind) {
  switch (kind) {
    case ProviderKind::kSimulated: return "simulated";
    case ProviderKind::kConfigfsTsm: return "configfs-tsm";
    case ProviderKind::kSevGuest: return "sev-guest";
  }
  return "configfs-tsm";
}

Status validate_config(const EnclaveConfig& config) {
  if (config.provider == ProviderKind::kSimulated && config.state_dir.empty()) {
    return invalid("the simulated provider needs --state-dir for its stand-in chain");
  }
  if (config.release.manifest.empty() || config.release.release_proof.empty()) {
    return invalid("--manifest and --release-proof are required");
  }
  if (config.release.witness_threshold > config.release.witness_vkeys.size()) {
    return invalid("--witness-threshold is larger than the number of --witness-vkey");
  }
  if (!config.release.witness_vkeys.empty() && !config.release.log_vkey) {
    return invalid("--witness-vkey needs --log-vkey");
  }
  if (config.max_sessions == 0 || config.max_batch == 0 || config.max_queued == 0 ||
      config.max_tokens == 0 || config.upstream_workers == 0 || config.io_threads == 0) {
    return invalid("session, batch, queue, token and worker limits must be at least 1");
  }
  const ServingLimits& serving = config.serving;
  if (serving.max_requests_per_session == 0 || serving.max_request_bytes == 0 ||
      serving.max_buffered_output_bytes == 0 || serving.idle_timeout.count() <= 0) {
    return invalid("per-session limits must be at least 1");
  }
  if (serving.max_request_bytes > (size_t{16} << 20)) {
    return invalid("--max-request-bytes cannot exceed the session's 16 MiB message limit");
  }
  if (config.evidence_refresh.count() <= 0) return invalid("--evidence-refresh must be positive");
  CLOISTER_TRY(parse_listen_address(config.listen));
  return ok_status();
}

Result<std::pair<std::string, uint16_t>> parse_listen_address(std::string_view listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return invalid("--listen must be HOST:PORT, e.g. 127.0.0.1:8443");
  }
  std::string host(listen.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string_view port_text = listen.substr(colon + 1);
  unsigned port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return invalid("--listen has a bad port");
  }
  return std::pair<std::string, uint16_t>{host, static_cast<uint16_t>(port)};
}

}  // namespace cloister::enclave
