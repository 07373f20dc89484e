// Fuzzes the receipt decoder and verifier: every input must decode or be
// refused, only 205-byte inputs may decode, and nothing may verify under a
// key that never signed anything.
#include <cstddef>
#include <cstdint>

#include "session/receipt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister;
  ByteSpan input(data, size);
  auto receipt = session::decode_receipt(input);
  if (!receipt.ok()) return 0;
  if (size != session::kReceiptSize) __builtin_trap();
  crypto::Ed25519PublicKey unrelated{};
  unrelated.fill(0x5a);
  if (session::verify_receipt(input, unrelated).ok()) __builtin_trap();
  return 0;
}
