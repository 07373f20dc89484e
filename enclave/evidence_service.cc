#include "enclave/evidence_service.h"

#include "enclave/event_log.h"

namespace cloister::enclave {
namespace {

using Steady = std::chrono::steady_clock;

session::Platform session_platform(const attest::EvidenceBytes& evidence, bool simulated) {
  if (simulated) return session::Platform::kSimulatedSevSnp;
  return evidence.platform == attest::Platform::kTdx ? session::Platform::kTdx
                                                     : session::Platform::kSevSnp;
}

}  // namespace

attest::GpuNonce gpu_nonce_for(const session::ReportData& report_data) {
  const Bytes digest = crypto::Hasher(crypto::HashAlgorithm::kSha256)
                           .update(as_bytes(kGpuNonceLabel))
                           .update(report_data)
                           .finish();
  attest::GpuNonce nonce{};
  std::copy(digest.begin(), digest.end(), nonce.begin());
  return nonce;
}

EvidenceService::EvidenceService(EvidenceSources sources, EvidenceBinding binding,
                                 EnclaveMetrics* metrics)
    : sources_(std::move(sources)),
      binding_(std::move(binding)),
      manifest_sha256_(session::manifest_digest(binding_.manifest)),
      metrics_(metrics) {}

EvidenceService::~EvidenceService() { stop_refreshing(); }

Result<session::EvidenceBundle> EvidenceService::produce(
    const std::optional<session::Nonce>& nonce) {
  const session::ReportData report_data = session::compute_report_data(
      binding_.static_key, binding_.receipt_key, manifest_sha256_, nonce);
  const auto started = Steady::now();
  std::lock_guard lock(provider_mutex_);
  Result<attest::EvidenceBytes> evidence = sources_.cpu->produce(report_data);
  if (!evidence.ok()) {
    if (metrics_ != nullptr) metrics_->evidence_failed();
    log_event("evidence_failed",
              {{"source", StaticText::from_table(sources_.cpu->name())},
               {"code", StaticText::from_table(error_code_name(evidence.error().code()))}});
    return Error(ErrorCode::kUnavailable, "the enclave cannot obtain evidence right now");
  }
  session::EvidenceBundle bundle;
  bundle.platform = session_platform(*evidence, sources_.simulated);
  bundle.report = std::move(evidence->report);
  bundle.collateral = std::move(evidence->collateral);
  if (sources_.gpu) {
    Result<attest::EvidenceBytes> gpu = sources_.gpu->produce(0, gpu_nonce_for(report_data));
    if (!gpu.ok()) {
      if (metrics_ != nullptr) metrics_->evidence_failed();
      log_event("evidence_failed",
                {{"source", "nvml"},
                 {"code", StaticText::from_table(error_code_name(gpu.error().code()))}});
      return Error(ErrorCode::kUnavailable, "the enclave cannot obtain GPU evidence right now");
    }
    bundle.gpu_evidence = attest::encode_gpu_evidence(*gpu);
  }
  bundle.manifest = binding_.manifest;
  bundle.receipt_public_key = binding_.receipt_key;
  bundle.tlog_proof = binding_.tlog_proof;
  if (metrics_ != nullptr) {
    metrics_->evidence_produced(nonce.has_value(),
                                std::chrono::duration<double>(Steady::now() - started).count());
  }
  return bundle;
}

Status EvidenceService::refresh() {
  CLOISTER_ASSIGN_OR_RETURN(session::EvidenceBundle bundle, produce(std::nullopt));
  std::lock_guard lock(cache_mutex_);
  cached_ = std::make_shared<const session::EvidenceBundle>(std::move(bundle));
  return ok_status();
}

Result<session::EvidenceBundle> EvidenceService::bundle_for(
    const std::optional<session::Nonce>& nonce) {
  if (nonce) return produce(nonce);
  std::shared_ptr<const session::EvidenceBundle> cached;
  {
    std::lock_guard lock(cache_mutex_);
    cached = cached_;
  }
  if (cached) return *cached;
  CLOISTER_TRY(refresh());
  std::lock_guard lock(cache_mutex_);
  return *cached_;
}

bool EvidenceService::ready() const {
  std::lock_guard lock(cache_mutex_);
  return cached_ != nullptr;
}

void EvidenceService::start_refreshing(std::chrono::seconds interval) {
  stop_refreshing();
  {
    std::lock_guard lock(refresh_mutex_);
    stopping_ = false;
  }
  refresher_ = std::thread([this, interval] {
    std::unique_lock lock(refresh_mutex_);
    while (!refresh_wake_.wait_for(lock, interval, [&] { return stopping_; })) {
      lock.unlock();
      (void)refresh();  // on failure the previous bundle stays; the failure is logged
      lock.lock();
    }
  });
}

void EvidenceService::stop_refreshing() {
  {
    std::lock_guard lock(refresh_mutex_);
    stopping_ = true;
  }
  refresh_wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

}  // namespace cloister::enclave
