// Client-side verification of a release proof: is the enclave's manifest in
// the log, is the checkpoint signed by the pinned log key and cosigned by
// enough pinned witnesses, and is it consistent with the newest checkpoint
// this client has stored? Every failure's message starts with one of the
// kReason* strings below.
//
// Consistency proofs: the enclave cannot know which checkpoint each client
// has stored, so the client obtains the proof itself, from the log's tiles.
// The host serves the log directory statically at /log/, and
// consistency_from_tiles() computes the proof from tiles read there (or from
// any mirror). Tiles are not trusted: a wrong tile yields a proof that fails
// to verify, which the client reports as a split view.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tlog/manifest.h"
#include "tlog/release_proof.h"

namespace cloister::tlog {

inline constexpr std::string_view kReasonManifestMalformed = "manifest malformed";
inline constexpr std::string_view kReasonCheckpointMalformed = "checkpoint malformed";
inline constexpr std::string_view kReasonNotIncluded = "manifest not included";
inline constexpr std::string_view kReasonWrongLog = "checkpoint is not from the pinned log";
inline constexpr std::string_view kReasonBadSignature = "checkpoint signature invalid";
inline constexpr std::string_view kReasonBadCosignature = "witness cosignature invalid";
inline constexpr std::string_view kReasonTooFewWitnesses = "not enough witness cosignatures";
inline constexpr std::string_view kReasonRollback = "checkpoint older than stored (rollback)";
inline constexpr std::string_view kReasonSplitView =
    "inconsistent with stored checkpoint (split view)";
inline constexpr std::string_view kReasonNoConsistencyProof = "no consistency proof available";

// What a client pins: the log's key (its name is the log's origin), the
// witnesses' cosignature/v1 keys, and how many of them must have cosigned.
struct LogTrustPolicy {
  NoteVerifier log_key;
  std::vector<NoteVerifier> witnesses;
  size_t witness_threshold = 0;
  // By default a checkpoint older than the stored one is a rollback. When set,
  // an older checkpoint is accepted if it is a prefix of the stored one (an
  // enclave that has not refreshed its proof yet); the stored one is kept.
  bool accept_older_checkpoints = false;
};

// Returns the consistency proof between two tree sizes of the pinned log.
using ConsistencyProofSource =
    std::function<Result<std::vector<Hash>>(uint64_t old_size, uint64_t new_size)>;

// Returns a source that computes consistency proofs from `tiles`, which must
// outlive it. Proofs are computed over the tree of new_size leaves.
ConsistencyProofSource consistency_from_tiles(TileReader& tiles);

// A checkpoint that passed the policy's signature and witness checks.
struct VerifiedCheckpoint {
  Checkpoint checkpoint;
  std::string note;         // the signed note, verbatim
  size_t cosignatures = 0;  // distinct pinned witnesses that cosigned
};

// Checks that `note` is a checkpoint of the pinned log, signed by its key and
// cosigned by at least witness_threshold distinct pinned witnesses. Fails with
// kRejected (or kMalformed), the message starting with a kReason* string.
Result<VerifiedCheckpoint> verify_checkpoint(std::string_view note, const LogTrustPolicy& policy);

// The newest checkpoint a client knows after a verification.
struct CheckpointUpdate {
  std::string checkpoint_to_store;  // the signed note to keep
  bool advanced = false;            // true if it differs from what was stored
};

// Checks `presented` against the client's stored checkpoint note (none on
// first use), fetching a consistency proof from `source` when sizes differ.
// Fails with kRejected (rollback, split view) or kUnavailable (no proof).
Result<CheckpointUpdate> check_against_stored(const VerifiedCheckpoint& presented,
                                              std::optional<std::string_view> stored,
                                              const LogTrustPolicy& policy,
                                              const ConsistencyProofSource& source);

struct VerifiedRelease {
  ReleaseManifest manifest;
  Sha256Digest manifest_digest{};  // compare with the digest bound in REPORT_DATA
  uint64_t index = 0;              // the manifest's position in the log
  Checkpoint checkpoint;           // the checkpoint the proof is against
  CheckpointUpdate update;         // what the client stores from now on
};

// Verifies a release proof for a client: the manifest parses, the checkpoint
// passes verify_checkpoint, the manifest is the entry at the proof's index
// under that checkpoint, and the checkpoint is consistent with `stored`
// (check_against_stored). On success the caller checks the evidence against
// the returned manifest and digest, then stores update.checkpoint_to_store.
Result<VerifiedRelease> verify_release_proof(const ReleaseProof& proof,
                                             const LogTrustPolicy& policy,
                                             std::optional<std::string_view> stored,
                                             const ConsistencyProofSource& source);

// For the enclave: returns a proof of the same manifest against the newer
// checkpoint `newer_note` (which must pass verify_checkpoint and extend the
// proof's checkpoint), with the inclusion proof computed from `tiles`. The
// host delivers newer checkpoints; the enclave trusts none of it unverified.
Result<ReleaseProof> refresh_release_proof(const ReleaseProof& proof, std::string_view newer_note,
                                           const LogTrustPolicy& policy, TileReader& tiles);

}  // namespace cloister::tlog
