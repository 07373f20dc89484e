// NVIDIA GPU evidence through NVML, loaded with dlopen at run time so that
// the enclave neither links nor needs the driver library when there is no GPU.
// For each GPU in confidential-computing mode it returns the SPDM
// GET_MEASUREMENTS evidence for a caller's nonce and the device certificate
// chain, in the form nvidia::verify() takes.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "attest/evidence.h"
#include "attest/nvidia/spdm.h"

namespace cloister::attest {

using GpuNonce = std::array<uint8_t, nvidia::kNonceSize>;

class NvmlGpuProvider {
 public:
  // Loads `library` and initializes NVML. Fails with kUnavailable, saying so
  // plainly, when the library is missing (no NVIDIA driver, so no GPU) or
  // NVML finds no device.
  static Result<std::unique_ptr<NvmlGpuProvider>> open(
      const std::string& library = "libnvidia-ml.so.1");
  ~NvmlGpuProvider();
  NvmlGpuProvider(const NvmlGpuProvider&) = delete;
  NvmlGpuProvider& operator=(const NvmlGpuProvider&) = delete;

  // Returns how many GPUs NVML sees.
  unsigned device_count() const { return device_count_; }
  // Returns GPU `index`'s evidence for `nonce`, with its certificate chain.
  Result<EvidenceBytes> produce(unsigned index, const GpuNonce& nonce);

 private:
  struct Api;
  NvmlGpuProvider(void* handle, std::unique_ptr<Api> api, unsigned device_count);

  void* handle_;
  std::unique_ptr<Api> api_;
  unsigned device_count_;
};

}  // namespace cloister::attest
