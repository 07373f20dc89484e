// Fuzzes the text formats a witness and an auditor read: add-checkpoint
// request bodies, C2SP tlog proofs and proof hash lines. Whatever parses
// re-encodes to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tlog/witness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister::tlog;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto request = parse_add_checkpoint_request(text); request.ok()) {
    if (format_add_checkpoint_request(*request) != text) std::abort();
  }
  if (auto proof = parse_tlog_proof(text); proof.ok()) {
    if (format_tlog_proof(*proof) != text) std::abort();
  }
  if (auto hashes = parse_hash_lines(text); hashes.ok()) {
    if (format_hash_lines(*hashes) != text) std::abort();
  }
  return 0;
}
