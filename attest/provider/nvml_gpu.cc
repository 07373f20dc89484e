#include "attest/provider/nvml_gpu.h"

#include <dlfcn.h>

#include <cstring>

namespace cloister::attest {
namespace {

// The NVML ABI this provider relies on (nvml.h, driver 535 and later).
using NvmlReturn = int;
using NvmlDevice = struct NvmlDeviceOpaque*;
constexpr NvmlReturn kNvmlSuccess = 0;

constexpr size_t kCertChainSize = 0x1000;
constexpr size_t kAttestationCertChainSize = 0x1400;
constexpr size_t kAttestationReportSize = 0x2000;
constexpr size_t kCecAttestationReportSize = 0x1000;

struct NvmlGpuCertificate {
  unsigned int cert_chain_size;
  unsigned int attestation_cert_chain_size;
  unsigned char cert_chain[kCertChainSize];
  unsigned char attestation_cert_chain[kAttestationCertChainSize];
};

struct NvmlGpuAttestationReport {
  unsigned int is_cec_attestation_report_present;
  unsigned int attestation_report_size;
  unsigned int cec_attestation_report_size;
  unsigned char nonce[nvidia::kNonceSize];
  unsigned char attestation_report[kAttestationReportSize];
  unsigned char cec_attestation_report[kCecAttestationReportSize];
};

template <typename Fn>
Fn symbol(void* handle, const char* name) {
  return reinterpret_cast<Fn>(::dlsym(handle, name));
}

}  // namespace

struct NvmlGpuProvider::Api {
  NvmlReturn (*init)();
  NvmlReturn (*shutdown)();
  const char* (*error_string)(NvmlReturn);
  NvmlReturn (*device_count)(unsigned int*);
  NvmlReturn (*device_by_index)(unsigned int, NvmlDevice*);
  NvmlReturn (*attestation_report)(NvmlDevice, NvmlGpuAttestationReport*);
  NvmlReturn (*certificate)(NvmlDevice, NvmlGpuCertificate*);

  std::string describe(NvmlReturn code) const {
    const char* text = error_string != nullptr ? error_string(code) : nullptr;
    return "NVML error " + std::to_string(code) + (text != nullptr ? std::string(": ") + text : "");
  }
};

NvmlGpuProvider::NvmlGpuProvider(void* handle, std::unique_ptr<Api> api, unsigned device_count)
    : handle_(handle), api_(std::move(api)), device_count_(device_count) {}

NvmlGpuProvider::~NvmlGpuProvider() {
  api_->shutdown();
  ::dlclose(handle_);
}

Result<std::unique_ptr<NvmlGpuProvider>> NvmlGpuProvider::open(const std::string& library) {
  void* handle = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return Error(ErrorCode::kUnavailable, "no NVIDIA GPU evidence: cannot load " + library +
                                              " (no NVIDIA driver, so no GPU, on this machine)" +
                                              (why != nullptr ? std::string(": ") + why : ""));
  }
  auto api = std::make_unique<Api>();
  api->init = symbol<decltype(api->init)>(handle, "nvmlInit_v2");
  api->shutdown = symbol<decltype(api->shutdown)>(handle, "nvmlShutdown");
  api->error_string = symbol<decltype(api->error_string)>(handle, "nvmlErrorString");
  api->device_count = symbol<decltype(api->device_count)>(handle, "nvmlDeviceGetCount_v2");
  api->device_by_index =
      symbol<decltype(api->device_by_index)>(handle, "nvmlDeviceGetHandleByIndex_v2");
  api->attestation_report = symbol<decltype(api->attestation_report)>(
      handle, "nvmlDeviceGetConfComputeGpuAttestationReport");
  api->certificate =
      symbol<decltype(api->certificate)>(handle, "nvmlDeviceGetConfComputeGpuCertificate");
  if (api->init == nullptr || api->shutdown == nullptr || api->device_count == nullptr ||
      api->device_by_index == nullptr || api->attestation_report == nullptr ||
      api->certificate == nullptr) {
    ::dlclose(handle);
    return Error(ErrorCode::kUnsupported,
                 library + " lacks the confidential-computing API (driver older than 535?)");
  }
  if (NvmlReturn code = api->init(); code != kNvmlSuccess) {
    std::string text = api->describe(code);
    ::dlclose(handle);
    return Error(ErrorCode::kUnavailable,
                 "no NVIDIA GPU evidence: NVML did not start (" + text + ")");
  }
  unsigned int count = 0;
  if (NvmlReturn code = api->device_count(&count); code != kNvmlSuccess || count == 0) {
    std::string text = code != kNvmlSuccess ? api->describe(code) : "no devices";
    api->shutdown();
    ::dlclose(handle);
    return Error(ErrorCode::kUnavailable,
                 "no NVIDIA GPU evidence: NVML found no GPU (" + text + ")");
  }
  return std::unique_ptr<NvmlGpuProvider>(new NvmlGpuProvider(handle, std::move(api), count));
}

Result<EvidenceBytes> NvmlGpuProvider::produce(unsigned index, const GpuNonce& nonce) {
  if (index >= device_count_) {
    return Error(ErrorCode::kInvalidArgument, "GPU " + std::to_string(index) + " does not exist");
  }
  NvmlDevice device = nullptr;
  if (NvmlReturn code = api_->device_by_index(index, &device); code != kNvmlSuccess) {
    return Error(ErrorCode::kIo, "GPU " + std::to_string(index) + ": " + api_->describe(code));
  }
  auto report = std::make_unique<NvmlGpuAttestationReport>();
  std::memset(report.get(), 0, sizeof(*report));
  std::memcpy(report->nonce, nonce.data(), nonce.size());
  if (NvmlReturn code = api_->attestation_report(device, report.get()); code != kNvmlSuccess) {
    return Error(ErrorCode::kUnavailable,
                 "GPU " + std::to_string(index) +
                     " gave no attestation report (is CC mode on?): " + api_->describe(code));
  }
  auto certificate = std::make_unique<NvmlGpuCertificate>();
  std::memset(certificate.get(), 0, sizeof(*certificate));
  if (NvmlReturn code = api_->certificate(device, certificate.get()); code != kNvmlSuccess) {
    return Error(ErrorCode::kIo,
                 "GPU " + std::to_string(index) + " certificate chain: " + api_->describe(code));
  }
  if (report->attestation_report_size > kAttestationReportSize ||
      certificate->attestation_cert_chain_size > kAttestationCertChainSize) {
    return Error(ErrorCode::kMalformed, "NVML reported sizes beyond its own buffers");
  }
  EvidenceBytes evidence;
  evidence.platform = Platform::kNvidia;
  evidence.report.assign(report->attestation_report,
                         report->attestation_report + report->attestation_report_size);
  evidence.collateral.assign(
      certificate->attestation_cert_chain,
      certificate->attestation_cert_chain + certificate->attestation_cert_chain_size);
  return evidence;
}

}  // namespace cloister::attest
