// Function attributes that compile one function for a wider instruction set
// than the rest of the binary (plain x86-64). Kernels carry these instead of
// global -m flags, so that no inline function shared with other files is ever
// compiled for an instruction set the CPU may lack; the dispatcher calls a
// kernel only after cpu_features.h has found its instructions.
#pragma once

#if defined(__x86_64__)
#define CLOISTER_X86 1
#define CLOISTER_TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define CLOISTER_TARGET_AVX512 \
  __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define CLOISTER_TARGET_AMX \
  __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni,amx-tile,amx-int8")))
#else
#define CLOISTER_X86 0
#endif
