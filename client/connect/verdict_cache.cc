#include "client/connect/verdict_cache.h"

#include <algorithm>

#include "crypto/hash.h"

namespace cloister::client {
namespace {

// Names one (offer, binding, policy) triple. The bundle's strict encoding
// is prefixed with its length and REPORT_DATA has a fixed size, so no two
// triples hash the same bytes.
Result<crypto::Sha256Digest> offer_key(const session::EvidenceBundle& bundle,
                                       const session::ReportData& expected,
                                       const TrustPolicy& policy) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes encoded, session::encode_evidence_bundle(bundle));
  std::array<uint8_t, 8> length{};
  for (size_t i = 0; i < length.size(); ++i) {
    length[i] = static_cast<uint8_t>(encoded.size() >> (8 * (length.size() - 1 - i)));
  }
  const Bytes digest = crypto::Hasher(crypto::HashAlgorithm::kSha256)
                           .update(length)
                           .update(encoded)
                           .update(expected)
                           .update(as_bytes(policy_to_json(policy)))
                           .finish();
  crypto::Sha256Digest key{};
  std::copy_n(digest.begin(), key.size(), key.begin());
  return key;
}

}  // namespace

VerdictCache::VerdictCache(std::chrono::seconds lifetime, size_t capacity)
    : lifetime_(lifetime), capacity_(std::max<size_t>(capacity, 1)) {}

Result<Verification> VerdictCache::verify(const session::EvidenceBundle& bundle,
                                          const session::ReportData& expected,
                                          const TrustPolicy& policy,
                                          const tlog::ConsistencyProofSource& consistency,
                                          const Clock& clock) {
  const Result<crypto::Sha256Digest> key = offer_key(bundle, expected, policy);
  if (!key.ok()) return verify_offer(bundle, expected, policy, consistency, clock);
  const TimePoint now = clock.now();
  {
    std::lock_guard lock(mutex_);
    auto found = entries_.find(*key);
    if (found != entries_.end()) {
      const TimePoint verified_at = found->second.verified_at;
      if (now >= verified_at && now - verified_at < lifetime_) {
        ++hits_;
        return found->second.verification;
      }
      entries_.erase(found);
    }
  }

  CLOISTER_ASSIGN_OR_RETURN(Verification verification,
                            verify_offer(bundle, expected, policy, consistency, clock));
  const FixedClock lifetime_end(now + lifetime_);
  if (!verify_offer(bundle, expected, policy, consistency, lifetime_end).ok()) {
    return verification;  // accepted now, but not for the whole lifetime
  }
  std::lock_guard lock(mutex_);
  if (entries_.size() >= capacity_) {
    entries_.erase(std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.verified_at < b.second.verified_at; }));
  }
  entries_.insert_or_assign(*key, Entry{verification, now});
  return verification;
}

size_t VerdictCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

size_t VerdictCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace cloister::client
