#include "engine/kernels/dispatch.h"

#include <atomic>
#include <string>

namespace cloister::engine::kernels {
namespace {

const KernelTable* detect_best() {
  const CpuFeatures features = detect_cpu_features();
  const bool amx = cpu_supports(KernelPath::kAmx, features) && request_amx_permission();
  return &kernel_table(choose_kernel_path(features, amx));
}

std::atomic<const KernelTable*>& active_slot() {
  static std::atomic<const KernelTable*> slot{detect_best()};
  return slot;
}

}  // namespace

const KernelTable& kernel_table(KernelPath path) {
  switch (path) {
    case KernelPath::kScalar: return scalar_kernels();
    case KernelPath::kAvx2: return avx2_kernels();
    case KernelPath::kAvx512: return avx512_kernels();
    case KernelPath::kAmx: return amx_kernels();
  }
  return scalar_kernels();
}

const KernelTable& active_kernels() { return *active_slot().load(std::memory_order_acquire); }

KernelPath active_kernel_path() { return active_kernels().path; }

Status set_kernel_path(KernelPath path) {
  const CpuFeatures features = detect_cpu_features();
  if (!cpu_supports(path, features) || (path == KernelPath::kAmx && !request_amx_permission())) {
    return Error(ErrorCode::kUnsupported,
                 "this machine cannot run the " + std::string(kernel_path_name(path)) + " kernels");
  }
  active_slot().store(&kernel_table(path), std::memory_order_release);
  return ok_status();
}

}  // namespace cloister::engine::kernels
