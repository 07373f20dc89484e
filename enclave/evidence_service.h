// The enclave's evidence: asks the TEE (through an attest provider) for a
// report whose REPORT_DATA binds the static Noise key, the receipt key, the
// manifest digest and the client's nonce (docs/protocol.md, "REPORT_DATA"),
// and packs it with the manifest and release proof into the bundle that
// handshake message 2 carries. Evidence without a nonce is cached and
// refreshed periodically; a client's nonce always gets fresh evidence.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "attest/provider/nvml_gpu.h"
#include "attest/provider/provider.h"
#include "enclave/metrics.h"
#include "session/evidence_bundle.h"

namespace cloister::enclave {

inline constexpr std::string_view kGpuNonceLabel = "cloister/gpu-nonce/v1";

// Returns the SPDM nonce GPU evidence is requested with:
// SHA-256("cloister/gpu-nonce/v1" || REPORT_DATA), so that the GPU's evidence
// is bound to the same session as the CPU's.
attest::GpuNonce gpu_nonce_for(const session::ReportData& report_data);

// What every bundle carries and binds.
struct EvidenceBinding {
  crypto::X25519PublicKey static_key{};
  crypto::Ed25519PublicKey receipt_key{};
  Bytes manifest;  // canonical bytes
  session::TlogProof tlog_proof;
};

struct EvidenceSources {
  std::unique_ptr<attest::EvidenceProvider> cpu;
  bool simulated = false;                        // cpu is the SIMULATED provider
  std::unique_ptr<attest::NvmlGpuProvider> gpu;  // null: no GPU evidence
};

class EvidenceService {
 public:
  // `metrics` (optional) must outlive the service.
  EvidenceService(EvidenceSources sources, EvidenceBinding binding,
                  EnclaveMetrics* metrics = nullptr);
  // Stops refreshing.
  ~EvidenceService();
  EvidenceService(const EvidenceService&) = delete;
  EvidenceService& operator=(const EvidenceService&) = delete;

  // Obtains evidence without a nonce and makes it the cached bundle.
  Status refresh();
  // Returns the bundle for a handshake: the cached one without a nonce (or
  // fresh evidence if nothing is cached), fresh evidence with one. Fails with
  // kUnavailable, saying nothing more, when the TEE does not answer.
  Result<session::EvidenceBundle> bundle_for(const std::optional<session::Nonce>& nonce);
  // Returns true once a bundle is cached.
  bool ready() const;
  // Refreshes every `interval` on a thread of its own until destruction.
  void start_refreshing(std::chrono::seconds interval);

 private:
  Result<session::EvidenceBundle> produce(const std::optional<session::Nonce>& nonce);
  void stop_refreshing();

  EvidenceSources sources_;
  EvidenceBinding binding_;
  crypto::Sha256Digest manifest_sha256_{};
  EnclaveMetrics* metrics_;

  std::mutex provider_mutex_;  // one request to the TEE at a time
  mutable std::mutex cache_mutex_;
  std::shared_ptr<const session::EvidenceBundle> cached_;

  std::mutex refresh_mutex_;
  std::condition_variable refresh_wake_;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace cloister::enclave
