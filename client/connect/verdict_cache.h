// Verdicts on enclave offers this client has already verified, so that a new
// session to an enclave offering the same cached evidence skips re-verifying
// its certificate chain, report signature and release proof (docs/protocol.md
// §5.5). It pays off only for sessions that send no nonce: with a nonce the
// enclave makes a report for that session alone, and every offer is new.
//
//   client::VerdictCache verdicts;
//   options.evidence = {.fresh = false, .verdicts = &verdicts};
//   auto connection = client::VerifiedConnection::connect(pool, options, policy);
//
// A verdict is reused only for the very same offer (every byte of the bundle),
// the same REPORT_DATA (so the same enclave static key, which the handshake
// proves the peer holds) and the same trust policy, stored checkpoints
// included: a policy that changed, or a checkpoint that moved, verifies
// afresh. Evidence is checked against the clock, so an accepted verdict is
// kept only if the offer also verifies at the end of the verdict's lifetime;
// validity windows are intervals, so it holds throughout.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>

#include "client/connect/verified_connection.h"

namespace cloister::client {

class VerdictCache {
 public:
  static constexpr std::chrono::seconds kDefaultLifetime = std::chrono::minutes(10);
  static constexpr size_t kDefaultCapacity = 64;

  explicit VerdictCache(std::chrono::seconds lifetime = kDefaultLifetime,
                        size_t capacity = kDefaultCapacity);

  // Returns verify_offer's answer for these arguments: a verdict this cache
  // holds for them, verified less than the lifetime ago, or else a new
  // verification, which is kept if it was accepted now and would be at
  // now + lifetime. Refusals are never kept. Safe to call from several threads.
  Result<Verification> verify(const session::EvidenceBundle& bundle,
                              const session::ReportData& expected, const TrustPolicy& policy,
                              const tlog::ConsistencyProofSource& consistency,
                              const Clock& clock = system_clock());

  // How many verify() calls a kept verdict answered.
  size_t hits() const;
  // How many verdicts are kept.
  size_t size() const;

 private:
  struct Entry {
    Verification verification;
    TimePoint verified_at;
  };

  std::chrono::seconds lifetime_;
  size_t capacity_;
  mutable std::mutex mutex_;
  std::map<crypto::Sha256Digest, Entry> entries_;
  size_t hits_ = 0;
};

}  // namespace cloister::client
