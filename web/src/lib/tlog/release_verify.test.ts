// Replays the scenarios of make_tlog_fixture.sh: the TypeScript verifier must
// give the verdict the C++ 'cloister-log verify release' gave on the same files.
import { describe, expect, it } from 'vitest';
import { hex_encode } from '../bytes/encoding';
import { sha256 } from '../crypto/webcrypto';
import { fixture_bytes, fixture_text, fixture_tiles, fixture_verdicts, fixture_vkeys } from './fixture.test_support';
import { NoteVerifier } from './note';
import { parse_release_proof } from './release_proof';
import {
  type LogTrustPolicy,
  consistency_from_tiles,
  kReasonNotIncluded,
  verify_release_proof,
} from './release_verify';

const keys = fixture_vkeys();
const verdicts = fixture_verdicts();

async function policy(witnesses: string[], threshold: number, log = keys.log, accept_older = false): Promise<LogTrustPolicy> {
  return {
    log_key: await NoteVerifier.parse(log),
    witnesses: await Promise.all(witnesses.map((w) => NoteVerifier.parse(w))),
    witness_threshold: threshold,
    accept_older_checkpoints: accept_older,
  };
}

// Returns "ok" or the failure's message (which starts with its reason).
async function verdict(
  proof_file: string,
  trust: LogTrustPolicy,
  stored_file: string | null,
  with_tiles: boolean,
): Promise<string> {
  try {
    const proof = parse_release_proof(fixture_bytes(proof_file));
    const stored = stored_file === null ? null : fixture_text(stored_file);
    await verify_release_proof(proof, trust, stored, with_tiles ? consistency_from_tiles(fixture_tiles()) : null);
    return 'ok';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('release proofs give the verdicts cloister-log gives', () => {
  const both = [keys.w1, keys.w2];
  const scenarios: [string, () => Promise<string>][] = [
    ['first-use', async () => verdict('release-a.proof', await policy(both, 2), null, false)],
    ['advances', async () => verdict('release-b.proof', await policy(both, 2), 'checkpoint-1', true)],
    ['same-checkpoint', async () => verdict('release-b.proof', await policy(both, 2), 'checkpoint-260', false)],
    ['split-view', async () => verdict('release-b.proof', await policy(both, 2), 'fork-checkpoint-2', true)],
    ['no-tiles', async () => verdict('release-b.proof', await policy(both, 2), 'checkpoint-1', false)],
    ['rollback', async () => verdict('release-a.proof', await policy(both, 2), 'checkpoint-260', true)],
    ['older-accepted', async () => verdict('release-a.proof', await policy(both, 2, keys.log, true), 'checkpoint-260', true)],
    ['too-few-witnesses', async () => verdict('release-a.proof', await policy([...both, keys.w3], 3), null, false)],
    ['other-log-key', async () => verdict('release-a.proof', await policy([], 0, keys.other), null, false)],
  ];

  it('covers every scenario the fixture recorded', () => {
    expect(scenarios.map(([name]) => name).sort()).toEqual([...verdicts.keys()].sort());
  });

  it.each(scenarios)('%s', async (name, run) => {
    // The CLI prints "cloister-log: rejected: " before the library's message.
    expect(await run()).toBe(verdicts.get(name)!.replace(/^cloister-log: rejected: /, ''));
  });
});

describe('release proof verification', () => {
  it('returns the manifest, its digest and what to store', async () => {
    const bytes = fixture_bytes('release-b.proof');
    const proof = parse_release_proof(bytes);
    const verified = await verify_release_proof(
      proof,
      await policy([keys.w1, keys.w2], 2),
      fixture_text('checkpoint-1'),
      consistency_from_tiles(fixture_tiles()),
    );
    expect(verified.manifest.version).toBe('0.1.259');
    expect(verified.index).toBe(259n);
    expect(hex_encode(verified.manifest_digest)).toBe(hex_encode(await sha256(proof.manifest)));
    expect(verified.update).toEqual({ checkpoint_to_store: fixture_text('checkpoint-260'), advanced: true });
  });

  it('refuses a manifest swapped for another logged one', async () => {
    const a = parse_release_proof(fixture_bytes('release-a.proof'));
    const b = parse_release_proof(fixture_bytes('release-b.proof'));
    await expect(
      verify_release_proof({ ...b, manifest: a.manifest }, await policy([keys.w1, keys.w2], 2), null, null),
    ).rejects.toThrow(new RegExp(`^${kReasonNotIncluded}: at index 259 of size 260`));
  });

  it('refuses a proof whose checkpoint lost a witness cosignature', async () => {
    const proof = parse_release_proof(fixture_bytes('release-b.proof'));
    const lines = proof.log_proof.checkpoint.split('\n');
    const without_w2 = lines.filter((line) => !line.includes('witness.example/w2')).join('\n');
    const trust = await policy([keys.w1, keys.w2], 2);
    await expect(
      verify_release_proof({ ...proof, log_proof: { ...proof.log_proof, checkpoint: without_w2 } }, trust, null, null),
    ).rejects.toThrow(/^not enough witness cosignatures: 1 of the 2 required/);
  });

  it('refuses a forged cosignature', async () => {
    const proof = parse_release_proof(fixture_bytes('release-b.proof'));
    const forged = proof.log_proof.checkpoint.replace(/(witness\.example\/w1 \S{20})(.)/, (_m, head: string, c: string) =>
      head + (c === 'A' ? 'B' : 'A'),
    );
    const trust = await policy([keys.w1, keys.w2], 2);
    await expect(
      verify_release_proof({ ...proof, log_proof: { ...proof.log_proof, checkpoint: forged } }, trust, null, null),
    ).rejects.toThrow(/^witness cosignature invalid: signature by witness.example\/w1 is invalid/);
  });

  it('rejects a malformed encoding before verifying anything', () => {
    const bytes = fixture_bytes('release-a.proof');
    expect(() => parse_release_proof(bytes.subarray(0, bytes.length - 1))).toThrow(/tlog proof/);
    expect(() => parse_release_proof(new Uint8Array([...bytes, 0]))).toThrow(/trailing/);
    const wrong_version = bytes.slice();
    wrong_version[4] = 2;
    expect(() => parse_release_proof(wrong_version)).toThrow(/version 2 is not supported/);
    expect(() => parse_release_proof(new TextEncoder().encode('CLRQ'))).toThrow(/bad magic/);
  });
});
