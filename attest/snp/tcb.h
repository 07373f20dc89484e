// SEV-SNP TCB_VERSION: a 64-bit value of per-component security patch levels
// (SPLs). Its byte layout depends on the CPU generation: Milan and Genoa put
// BOOT_LOADER, TEE, SNP and MICROCODE at bytes 0, 1, 6 and 7; Turin adds FMC
// and uses bytes 0 (FMC), 1, 2, 3 and 7.
#pragma once

#include <cstdint>
#include <string>

#include "attest/roots.h"

namespace cloister::attest::snp {

struct TcbParts {
  uint8_t fmc = 0;  // Turin only
  uint8_t bootloader = 0;
  uint8_t tee = 0;
  uint8_t snp = 0;
  uint8_t microcode = 0;

  bool operator==(const TcbParts&) const = default;
  // Returns e.g. "bl=3 tee=0 snp=8 ucode=115" (with "fmc=" first on Turin).
  std::string describe(AmdProduct product) const;
};

// Splits a raw TCB_VERSION for `product`.
TcbParts decode_tcb(uint64_t raw, AmdProduct product);
// Builds the raw TCB_VERSION for `product` (reserved bytes zero).
uint64_t encode_tcb(const TcbParts& parts, AmdProduct product);

// Returns true if every component of `have` is >= that of `floor`, which is
// how AMD and go-sev-guest order TCBs (there is no total order).
bool tcb_at_least(const TcbParts& have, const TcbParts& floor);

}  // namespace cloister::attest::snp
