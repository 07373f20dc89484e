// What the CPU and the operating system let the engine use, found at run time
// with CPUID and XGETBV, and the choice of kernel path that follows from it.
// The binary is built for plain x86-64; faster kernels carry their own target
// attributes and run only where these checks allow.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace cloister::engine::kernels {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
  bool amx_tile = false;
  bool amx_int8 = false;
  bool os_saves_avx = false;     // XCR0 enables SSE and AVX state
  bool os_saves_avx512 = false;  // XCR0 enables opmask and all ZMM state
  bool os_saves_amx = false;     // XCR0 enables tile configuration and tile data
};

// Reads this machine's features (all false on a non-x86 build).
CpuFeatures detect_cpu_features();

// The kernel families, slowest first. Each includes what the previous one
// needs: AVX-512 adds VNNI blocked products to the AVX2 kernels, and AMX adds
// tile products to the AVX-512 ones.
enum class KernelPath { kScalar, kAvx2, kAvx512, kAmx };

inline constexpr KernelPath kAllKernelPaths[] = {KernelPath::kScalar, KernelPath::kAvx2,
                                                 KernelPath::kAvx512, KernelPath::kAmx};

// Returns "scalar", "avx2", "avx512" or "amx".
std::string_view kernel_path_name(KernelPath path);

// Returns the path named `name` (as kernel_path_name spells it), if any.
std::optional<KernelPath> kernel_path_from_name(std::string_view name);

// Returns true if `features` include every instruction set `path` uses and
// the OS saves its registers. For AMX, the process must also have asked for
// permission to use tile data (see request_amx_permission).
bool cpu_supports(KernelPath path, const CpuFeatures& features);

// Returns the fastest path that `features` support, taking AMX only if
// `amx_permitted` (the OS granted tile data to this process).
KernelPath choose_kernel_path(const CpuFeatures& features, bool amx_permitted);

// Asks Linux for permission to use AMX tile data in this process
// (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)). Returns true if it
// is granted; false on kernels without dynamic XSTATE, or other systems.
bool request_amx_permission();

// Returns the paths this machine can run, scalar first (what tests force).
std::vector<KernelPath> supported_kernel_paths();

}  // namespace cloister::engine::kernels
