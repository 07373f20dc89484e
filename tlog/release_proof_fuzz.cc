// Fuzzes the release proof (the binary envelope, the C2SP tlog proof inside
// it, and client verification of whatever parses). Parsed proofs re-encode
// to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "tlog/release_verify.h"

namespace {

const cloister::tlog::LogTrustPolicy& policy() {
  static const auto* pinned = new cloister::tlog::LogTrustPolicy{
      *cloister::tlog::NoteVerifier::parse(
          "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"),
      {},
      0,
      false};
  return *pinned;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cloister;
  auto proof = tlog::parse_release_proof({data, size});
  if (!proof.ok()) return 0;
  auto again = tlog::encode_release_proof(*proof);
  if (!again.ok() || *again != Bytes(data, data + size)) std::abort();
  (void)tlog::verify_release_proof(*proof, policy(), std::nullopt, nullptr);
  return 0;
}
