#include "engine/kernels/cpu_features.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace cloister::engine::kernels {
namespace {

#if defined(__x86_64__)
constexpr int kXfeatureTileData = 18;  // Linux's XFEATURE_XTILEDATA
constexpr int kArchReqXcompPerm = 0x1023;

// Returns XCR0, which says which register state the OS saves on a context
// switch. Only valid when CPUID reports OSXSAVE.
uint64_t read_xcr0() {
  uint32_t eax = 0;
  uint32_t edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

bool bit(uint32_t word, int index) { return ((word >> index) & 1u) != 0; }
#endif

}  // namespace

CpuFeatures detect_cpu_features() {
  CpuFeatures f;
#if defined(__x86_64__)
  uint32_t eax = 0;
  uint32_t ebx = 0;
  uint32_t ecx = 0;
  uint32_t edx = 0;
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return f;
  const bool osxsave = bit(ecx, 27);
  f.fma = bit(ecx, 12);
  f.f16c = bit(ecx, 29);
  const bool avx = bit(ecx, 28);
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) != 0) {
    f.avx2 = avx && bit(ebx, 5);
    f.avx512f = bit(ebx, 16);
    f.avx512bw = bit(ebx, 30);
    f.avx512vl = bit(ebx, 31);
    f.avx512vnni = bit(ecx, 11);
    f.amx_tile = bit(edx, 24);
    f.amx_int8 = bit(edx, 25);
  }
  if (osxsave) {
    const uint64_t xcr0 = read_xcr0();
    f.os_saves_avx = (xcr0 & 0x6) == 0x6;          // SSE, AVX
    f.os_saves_avx512 = (xcr0 & 0xe6) == 0xe6;     // + opmask, ZMM_Hi256, Hi16_ZMM
    f.os_saves_amx = (xcr0 & 0x60000) == 0x60000;  // XTILECFG, XTILEDATA
  }
#endif
  return f;
}

std::string_view kernel_path_name(KernelPath path) {
  switch (path) {
    case KernelPath::kScalar: return "scalar";
    case KernelPath::kAvx2: return "avx2";
    case KernelPath::kAvx512: return "avx512";
    case KernelPath::kAmx: return "amx";
  }
  return "scalar";
}

std::optional<KernelPath> kernel_path_from_name(std::string_view name) {
  for (KernelPath path : kAllKernelPaths) {
    if (kernel_path_name(path) == name) return path;
  }
  return std::nullopt;
}

bool cpu_supports(KernelPath path, const CpuFeatures& f) {
  const bool avx2 = f.avx2 && f.fma && f.f16c && f.os_saves_avx;
  const bool avx512 =
      avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni && f.os_saves_avx512;
  switch (path) {
    case KernelPath::kScalar: return true;
    case KernelPath::kAvx2: return avx2;
    case KernelPath::kAvx512: return avx512;
    case KernelPath::kAmx: return avx512 && f.amx_tile && f.amx_int8 && f.os_saves_amx;
  }
  return false;
}

KernelPath choose_kernel_path(const CpuFeatures& features, bool amx_permitted) {
  if (amx_permitted && cpu_supports(KernelPath::kAmx, features)) return KernelPath::kAmx;
  if (cpu_supports(KernelPath::kAvx512, features)) return KernelPath::kAvx512;
  if (cpu_supports(KernelPath::kAvx2, features)) return KernelPath::kAvx2;
  return KernelPath::kScalar;
}

bool request_amx_permission() {
#if defined(__x86_64__) && defined(__linux__)
  // Granted once per process; asking again is harmless but costs a syscall.
  static const bool granted = syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureTileData) == 0;
  return granted;
#else
  return false;
#endif
}

std::vector<KernelPath> supported_kernel_paths() {
  const CpuFeatures features = detect_cpu_features();
  std::vector<KernelPath> paths;
  for (KernelPath path : kAllKernelPaths) {
    if (!cpu_supports(path, features)) continue;
    if (path == KernelPath::kAmx && !request_amx_permission()) continue;
    paths.push_back(path);
  }
  return paths;
}

}  // namespace cloister::engine::kernels
