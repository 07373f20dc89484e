#include "tlog/release_verify.h"

namespace cloister::tlog {
namespace {

Error failure(ErrorCode code, std::string_view reason, std::string_view detail) {
  return Error(code, std::string(reason) + ": " + std::string(detail));
}

Result<std::vector<Hash>> fetch_consistency(const ConsistencyProofSource& source, uint64_t old_size,
                                            uint64_t new_size) {
  if (!source) {
    return failure(ErrorCode::kUnavailable, kReasonNoConsistencyProof,
                   "no source of consistency proofs was given");
  }
  auto proof = source(old_size, new_size);
  if (!proof.ok()) {
    return failure(ErrorCode::kUnavailable, kReasonNoConsistencyProof,
                   "from size " + std::to_string(old_size) + " to " + std::to_string(new_size) +
                       ": " + proof.error().message());
  }
  return proof;
}

// Checks that (old_size, old_root) is a prefix of (new_size, new_root).
Status check_consistency(const ConsistencyProofSource& source, const Checkpoint& older,
                         const Checkpoint& newer) {
  CLOISTER_ASSIGN_OR_RETURN(std::vector<Hash> proof,
                            fetch_consistency(source, older.size, newer.size));
  auto consistent = verify_consistency(older.size, newer.size, older.root, newer.root, proof);
  if (!consistent.ok()) {
    return failure(ErrorCode::kRejected, kReasonSplitView,
                   "size " + std::to_string(older.size) + " and size " +
                       std::to_string(newer.size) + ": " + consistent.error().message());
  }
  return ok_status();
}

}  // namespace

ConsistencyProofSource consistency_from_tiles(TileReader& tiles) {
  return [&tiles](uint64_t old_size, uint64_t new_size) {
    TiledHashReader reader(tiles, new_size);
    return consistency_proof(reader, old_size, new_size);
  };
}

Result<VerifiedCheckpoint> verify_checkpoint(std::string_view note, const LogTrustPolicy& policy) {
  auto parsed = parse_note(note);
  if (!parsed.ok()) {
    return failure(ErrorCode::kMalformed, kReasonCheckpointMalformed, parsed.error().message());
  }
  auto checkpoint = parse_checkpoint_text(parsed->text);
  if (!checkpoint.ok()) {
    return failure(ErrorCode::kMalformed, kReasonCheckpointMalformed, checkpoint.error().message());
  }
  if (checkpoint->origin != policy.log_key.name()) {
    return failure(
        ErrorCode::kRejected, kReasonWrongLog,
        "origin \"" + checkpoint->origin + "\" is not \"" + policy.log_key.name() + "\"");
  }
  auto log_signers = verified_signers(*parsed, {&policy.log_key, 1});
  if (!log_signers.ok()) {
    return failure(ErrorCode::kRejected, kReasonBadSignature, log_signers.error().message());
  }
  if (log_signers->empty()) {
    return failure(ErrorCode::kRejected, kReasonBadSignature, "no signature by the pinned log key");
  }
  auto witnesses = verified_signers(*parsed, policy.witnesses);
  if (!witnesses.ok()) {
    return failure(ErrorCode::kRejected, kReasonBadCosignature, witnesses.error().message());
  }
  if (witnesses->size() < policy.witness_threshold) {
    return failure(ErrorCode::kRejected, kReasonTooFewWitnesses,
                   std::to_string(witnesses->size()) + " of the " +
                       std::to_string(policy.witness_threshold) + " required");
  }
  return VerifiedCheckpoint{std::move(checkpoint).value(), std::string(note), witnesses->size()};
}

Result<CheckpointUpdate> check_against_stored(const VerifiedCheckpoint& presented,
                                              std::optional<std::string_view> stored,
                                              const LogTrustPolicy& policy,
                                              const ConsistencyProofSource& source) {
  if (!stored) return CheckpointUpdate{presented.note, true};
  auto stored_note = parse_note(*stored);
  auto stored_checkpoint = stored_note.ok() ? parse_checkpoint_text(stored_note->text)
                                            : Result<Checkpoint>(stored_note.error());
  if (!stored_checkpoint.ok()) {
    return Error(ErrorCode::kInvalidArgument,
                 "stored checkpoint is unreadable: " + stored_checkpoint.error().message());
  }
  const Checkpoint& old = *stored_checkpoint;
  const Checkpoint& now = presented.checkpoint;
  if (old.origin != now.origin) {
    return Error(ErrorCode::kInvalidArgument, "stored checkpoint is for another log");
  }
  if (now.size == old.size) {
    if (now.root != old.root) {
      return failure(ErrorCode::kRejected, kReasonSplitView,
                     "same size " + std::to_string(now.size) + ", different root hash");
    }
    return CheckpointUpdate{std::string(*stored), false};
  }
  if (now.size > old.size) {
    CLOISTER_TRY(check_consistency(source, old, now));
    return CheckpointUpdate{presented.note, true};
  }
  if (!policy.accept_older_checkpoints) {
    return failure(
        ErrorCode::kRejected, kReasonRollback,
        "presented size " + std::to_string(now.size) + ", stored size " + std::to_string(old.size));
  }
  CLOISTER_TRY(check_consistency(source, now, old));
  return CheckpointUpdate{std::string(*stored), false};
}

Result<VerifiedRelease> verify_release_proof(const ReleaseProof& proof,
                                             const LogTrustPolicy& policy,
                                             std::optional<std::string_view> stored,
                                             const ConsistencyProofSource& source) {
  VerifiedRelease out;
  auto manifest = parse_manifest(proof.manifest);
  if (!manifest.ok()) {
    return failure(ErrorCode::kRejected, kReasonManifestMalformed, manifest.error().message());
  }
  out.manifest = std::move(manifest).value();
  out.manifest_digest = manifest_digest(proof.manifest);
  CLOISTER_ASSIGN_OR_RETURN(VerifiedCheckpoint checkpoint,
                            verify_checkpoint(proof.log_proof.checkpoint, policy));
  out.index = proof.log_proof.index;
  out.checkpoint = checkpoint.checkpoint;
  auto included = verify_inclusion(leaf_hash(proof.manifest), out.index, out.checkpoint.size,
                                   proof.log_proof.inclusion, out.checkpoint.root);
  if (!included.ok()) {
    return failure(ErrorCode::kRejected, kReasonNotIncluded,
                   "at index " + std::to_string(out.index) + " of size " +
                       std::to_string(out.checkpoint.size) + ": " + included.error().message());
  }
  CLOISTER_ASSIGN_OR_RETURN(out.update, check_against_stored(checkpoint, stored, policy, source));
  return out;
}

Result<ReleaseProof> refresh_release_proof(const ReleaseProof& proof, std::string_view newer_note,
                                           const LogTrustPolicy& policy, TileReader& tiles) {
  CLOISTER_ASSIGN_OR_RETURN(VerifiedRelease current,
                            verify_release_proof(proof, policy, std::nullopt, nullptr));
  CLOISTER_ASSIGN_OR_RETURN(VerifiedCheckpoint newer, verify_checkpoint(newer_note, policy));
  if (newer.checkpoint.size < current.checkpoint.size) {
    return failure(ErrorCode::kRejected, kReasonRollback,
                   "newer checkpoint has size " + std::to_string(newer.checkpoint.size) +
                       ", the proof's has " + std::to_string(current.checkpoint.size));
  }
  CLOISTER_TRY(
      check_consistency(consistency_from_tiles(tiles), current.checkpoint, newer.checkpoint));
  ReleaseProof refreshed;
  refreshed.manifest = proof.manifest;
  refreshed.log_proof.index = proof.log_proof.index;
  refreshed.log_proof.checkpoint = newer.note;
  TiledHashReader hashes(tiles, newer.checkpoint.size);
  CLOISTER_ASSIGN_OR_RETURN(
      refreshed.log_proof.inclusion,
      inclusion_proof(hashes, refreshed.log_proof.index, newer.checkpoint.size));
  auto included =
      verify_inclusion(leaf_hash(refreshed.manifest), refreshed.log_proof.index,
                       newer.checkpoint.size, refreshed.log_proof.inclusion, newer.checkpoint.root);
  if (!included.ok()) {
    return failure(ErrorCode::kRejected, kReasonNotIncluded, included.error().message());
  }
  return refreshed;
}

}  // namespace cloister::tlog
