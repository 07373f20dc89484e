// Client-side verification of a release proof, the twin of
// tlog/release_verify.h: the manifest parses, the checkpoint is signed by the
// pinned log key and cosigned by enough pinned witnesses, the manifest is the
// entry at the proof's index, and the checkpoint is consistent with the newest
// one this client stored (rollback and split-view protection). Every failure
// is `rejected` (or malformed/unavailable) with a message starting with one of
// the kReason* strings, exactly as the C++ client words it.
import { bytes_equal } from '../bytes/encoding';
import { CloisterError, type ErrorCode } from '../errors';
import { type Checkpoint, parse_checkpoint_text } from './checkpoint';
import { type ReleaseManifest, manifest_digest, parse_manifest } from './manifest';
import { type Hash, consistency_proof, leaf_hash, verify_consistency, verify_inclusion } from './merkle';
import { type NoteVerifier, parse_note, verified_signers } from './note';
import type { ReleaseProof } from './release_proof';
import { type TileFetcher, TiledHashReader } from './tiles';

export const kReasonManifestMalformed = 'manifest malformed';
export const kReasonCheckpointMalformed = 'checkpoint malformed';
export const kReasonNotIncluded = 'manifest not included';
export const kReasonWrongLog = 'checkpoint is not from the pinned log';
export const kReasonBadSignature = 'checkpoint signature invalid';
export const kReasonBadCosignature = 'witness cosignature invalid';
export const kReasonTooFewWitnesses = 'not enough witness cosignatures';
export const kReasonRollback = 'checkpoint older than stored (rollback)';
export const kReasonSplitView = 'inconsistent with stored checkpoint (split view)';
export const kReasonNoConsistencyProof = 'no consistency proof available';

// What a client pins.
export interface LogTrustPolicy {
  log_key: NoteVerifier;
  witnesses: NoteVerifier[];
  witness_threshold: number;
  // Accept a checkpoint older than the stored one if it is a prefix of it.
  accept_older_checkpoints?: boolean;
}

// Returns the consistency proof between two sizes of the pinned log.
export type ConsistencyProofSource = (old_size: bigint, new_size: bigint) => Promise<Hash[]>;

// Returns a source computing consistency proofs from tiles read by `fetch_tile`.
export function consistency_from_tiles(fetch_tile: TileFetcher): ConsistencyProofSource {
  return (old_size, new_size) => consistency_proof(new TiledHashReader(fetch_tile, new_size), old_size, new_size);
}

function failure(code: ErrorCode, reason: string, detail: string): CloisterError {
  return new CloisterError(code, `${reason}: ${detail}`);
}

function message_of(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface VerifiedCheckpoint {
  checkpoint: Checkpoint;
  note: string; // verbatim
  cosignatures: number;
}

// Checks that `note` is a checkpoint of the pinned log, signed by its key and
// cosigned by at least witness_threshold distinct pinned witnesses.
export async function verify_checkpoint(note: string, policy: LogTrustPolicy): Promise<VerifiedCheckpoint> {
  let parsed;
  let checkpoint: Checkpoint;
  try {
    parsed = parse_note(note);
    checkpoint = parse_checkpoint_text(parsed.text);
  } catch (e) {
    throw failure('malformed', kReasonCheckpointMalformed, message_of(e));
  }
  if (checkpoint.origin !== policy.log_key.name) {
    throw failure('rejected', kReasonWrongLog, `origin "${checkpoint.origin}" is not "${policy.log_key.name}"`);
  }
  let log_signers: number[];
  try {
    log_signers = await verified_signers(parsed, [policy.log_key]);
  } catch (e) {
    throw failure('rejected', kReasonBadSignature, message_of(e));
  }
  if (log_signers.length === 0) throw failure('rejected', kReasonBadSignature, 'no signature by the pinned log key');
  let witnesses: number[];
  try {
    witnesses = await verified_signers(parsed, policy.witnesses);
  } catch (e) {
    throw failure('rejected', kReasonBadCosignature, message_of(e));
  }
  if (witnesses.length < policy.witness_threshold) {
    throw failure(
      'rejected',
      kReasonTooFewWitnesses,
      `${witnesses.length} of the ${policy.witness_threshold} required`,
    );
  }
  return { checkpoint, note, cosignatures: witnesses.length };
}

export interface CheckpointUpdate {
  checkpoint_to_store: string;
  advanced: boolean;
}

async function check_consistency(source: ConsistencyProofSource | null, older: Checkpoint, newer: Checkpoint): Promise<void> {
  if (source === null) {
    throw failure('unavailable', kReasonNoConsistencyProof, 'no source of consistency proofs was given');
  }
  let proof: Hash[];
  try {
    proof = await source(older.size, newer.size);
  } catch (e) {
    throw failure('unavailable', kReasonNoConsistencyProof, `from size ${older.size} to ${newer.size}: ${message_of(e)}`);
  }
  try {
    await verify_consistency(older.size, newer.size, older.root, newer.root, proof);
  } catch (e) {
    throw failure('rejected', kReasonSplitView, `size ${older.size} and size ${newer.size}: ${message_of(e)}`);
  }
}

// Checks `presented` against the stored checkpoint note (null on first use).
export async function check_against_stored(
  presented: VerifiedCheckpoint,
  stored: string | null,
  policy: LogTrustPolicy,
  source: ConsistencyProofSource | null,
): Promise<CheckpointUpdate> {
  if (stored === null) return { checkpoint_to_store: presented.note, advanced: true };
  let old: Checkpoint;
  try {
    old = parse_checkpoint_text(parse_note(stored).text);
  } catch (e) {
    throw new CloisterError('invalid_argument', `stored checkpoint is unreadable: ${message_of(e)}`);
  }
  const now = presented.checkpoint;
  if (old.origin !== now.origin) throw new CloisterError('invalid_argument', 'stored checkpoint is for another log');
  if (now.size === old.size) {
    if (!bytes_equal(now.root, old.root)) {
      throw failure('rejected', kReasonSplitView, `same size ${now.size}, different root hash`);
    }
    return { checkpoint_to_store: stored, advanced: false };
  }
  if (now.size > old.size) {
    await check_consistency(source, old, now);
    return { checkpoint_to_store: presented.note, advanced: true };
  }
  if (policy.accept_older_checkpoints !== true) {
    throw failure('rejected', kReasonRollback, `presented size ${now.size}, stored size ${old.size}`);
  }
  await check_consistency(source, now, old);
  return { checkpoint_to_store: stored, advanced: false };
}

export interface VerifiedRelease {
  manifest: ReleaseManifest;
  manifest_digest: Uint8Array; // compare with the digest bound in REPORT_DATA
  index: bigint;
  checkpoint: Checkpoint;
  update: CheckpointUpdate; // store update.checkpoint_to_store once the evidence checks out
}

// Verifies a release proof for a client (see the file comment).
export async function verify_release_proof(
  proof: ReleaseProof,
  policy: LogTrustPolicy,
  stored: string | null,
  source: ConsistencyProofSource | null,
): Promise<VerifiedRelease> {
  let manifest: ReleaseManifest;
  try {
    manifest = parse_manifest(proof.manifest);
  } catch (e) {
    throw failure('rejected', kReasonManifestMalformed, message_of(e));
  }
  const digest = await manifest_digest(proof.manifest);
  const checkpoint = await verify_checkpoint(proof.log_proof.checkpoint, policy);
  const { index, inclusion } = proof.log_proof;
  try {
    await verify_inclusion(await leaf_hash(proof.manifest), index, checkpoint.checkpoint.size, inclusion, checkpoint.checkpoint.root);
  } catch (e) {
    throw failure('rejected', kReasonNotIncluded, `at index ${index} of size ${checkpoint.checkpoint.size}: ${message_of(e)}`);
  }
  const update = await check_against_stored(checkpoint, stored, policy, source);
  return { manifest, manifest_digest: digest, index, checkpoint: checkpoint.checkpoint, update };
}
