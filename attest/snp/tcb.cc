#include "attest/snp/tcb.h"

namespace cloister::attest::snp {
namespace {

uint8_t byte_at(uint64_t raw, int index) { return static_cast<uint8_t>(raw >> (8 * index)); }
uint64_t put_byte(uint8_t value, int index) { return static_cast<uint64_t>(value) << (8 * index); }

}  // namespace

std::string TcbParts::describe(AmdProduct product) const {
  std::string text;
  if (product == AmdProduct::kTurin) text = "fmc=" + std::to_string(fmc) + " ";
  return text + "bl=" + std::to_string(bootloader) + " tee=" + std::to_string(tee) +
         " snp=" + std::to_string(snp) + " ucode=" + std::to_string(microcode);
}

TcbParts decode_tcb(uint64_t raw, AmdProduct product) {
  if (product == AmdProduct::kTurin) {
    return {.fmc = byte_at(raw, 0),
            .bootloader = byte_at(raw, 1),
            .tee = byte_at(raw, 2),
            .snp = byte_at(raw, 3),
            .microcode = byte_at(raw, 7)};
  }
  return {.fmc = 0,
          .bootloader = byte_at(raw, 0),
          .tee = byte_at(raw, 1),
          .snp = byte_at(raw, 6),
          .microcode = byte_at(raw, 7)};
}

uint64_t encode_tcb(const TcbParts& parts, AmdProduct product) {
  if (product == AmdProduct::kTurin) {
    return put_byte(parts.fmc, 0) | put_byte(parts.bootloader, 1) | put_byte(parts.tee, 2) |
           put_byte(parts.snp, 3) | put_byte(parts.microcode, 7);
  }
  return put_byte(parts.bootloader, 0) | put_byte(parts.tee, 1) | put_byte(parts.snp, 6) |
         put_byte(parts.microcode, 7);
}

bool tcb_at_least(const TcbParts& have, const TcbParts& floor) {
  return have.fmc >= floor.fmc && have.bootloader >= floor.bootloader && have.tee >= floor.tee &&
         have.snp >= floor.snp && have.microcode >= floor.microcode;
}

}  // namespace cloister::attest::snp
