// The enclave's configuration: what the operator chooses (which TEE
// interface, where the files are, where to listen, limits and threads).
// Nothing here can change what the enclave runs or how it answers: the model,
// engine settings and upstream address come from the measured release
// manifest, and the model file is checked against it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "enclave/release.h"
#include "enclave/session_handler.h"

namespace cloister::enclave {

enum class ProviderKind { kSimulated, kConfigfsTsm, kSevGuest };

// Parses "simulated", "configfs-tsm" or "sev-guest".
Result<ProviderKind> parse_provider_kind(std::string_view name);
// Returns the name parse_provider_kind accepts for `kind`.
std::string_view provider_kind_name(ProviderKind kind);

struct EnclaveConfig {
  // Evidence.
  ProviderKind provider = ProviderKind::kConfigfsTsm;
  std::filesystem::path state_dir;  // simulated only: where the stand-in chain is kept
  std::filesystem::path configfs_root = "/sys/kernel/config/tsm/report";
  std::filesystem::path sev_guest_device = "/dev/sev-guest";
  // SNP: ASK and ARK (PEM) to add when the host supplies only the VCEK.
  std::filesystem::path snp_extra_certificates;
  // TDX: collateral (tdx::encode_collateral) to attach to quotes.
  std::filesystem::path tdx_collateral;
  bool gpu_evidence = false;  // add NVIDIA GPU evidence (NVML) to every bundle
  std::chrono::seconds evidence_refresh{600};

  // What runs.
  std::filesystem::path model;  // the GGUF file; its SHA-256 must be in the manifest
  ReleaseFiles release;

  // Serving.
  std::string listen = "127.0.0.1:8443";  // HOST:PORT; port 0 picks a free one
  size_t max_sessions = 256;
  ServingLimits serving;
  size_t io_threads = 2;

  // The engine.
  uint32_t max_batch = 8;
  size_t max_queued = 256;
  uint32_t max_tokens = 2048;
  unsigned threads = 0;  // 0: one per hardware thread
  size_t upstream_workers = 8;

  // Process hardening: refuse to start if memory cannot be locked.
  bool require_memory_lock = true;
};

// Checks values that have no sensible meaning (zero limits, a simulated
// provider without a state directory, ...). Fails with kInvalidArgument.
Status validate_config(const EnclaveConfig& config);

// Splits "HOST:PORT" (IPv6 hosts in brackets).
Result<std::pair<std::string, uint16_t>> parse_listen_address(std::string_view listen);

}  // namespace cloister::enclave
