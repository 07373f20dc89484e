// Bounded fuzzing of every parser of untrusted bytes: seeded mutations of
// real inputs (byte flips, truncations, insertions) and random bytes. Each
// parser must either succeed or throw a CloisterError, never anything else
// (a TypeError or RangeError would be a bug in bounds handling).
import { describe, expect, it } from 'vitest';
import { test_data } from './test_data.test_support';
import { hex_decode } from './bytes/encoding';
import { CloisterError } from './errors';
import { parse_report } from './attest/snp/report';
import { parse_certificate } from './attest/x509';
import { decode_endorsement_key } from './attest/snp/endorsement_key';
import { parse_release_proof } from './tlog/release_proof';
import { parse_note } from './tlog/note';
import { parse_canonical_json } from './tlog/canonical_json';
import { parse_manifest } from './tlog/manifest';
import { parse_frame } from './session/frame';
import { parse_evidence_bundle } from './session/evidence_bundle';
import { parse_server_message } from './session/handshake_payloads';
import { fixture_bytes } from './tlog/fixture.test_support';

const snp = (path: string) => test_data('attestation/snp/' + path);

// xorshift32: deterministic, so a failure reproduces.
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function mutations(seed_input: Uint8Array, count: number, seed: number): Uint8Array[] {
  const next = rng(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = seed_input.slice();
    const kind = next() % 4;
    if (kind === 0) {
      for (let j = 0; j < 1 + (next() % 4); j++) {
        const at = next() % Math.max(bytes.length, 1);
        bytes[at] = (bytes[at] ?? 0) ^ (1 << next() % 8);
      }
      out.push(bytes);
    } else if (kind === 1) {
      out.push(bytes.subarray(0, next() % (bytes.length + 1)));
    } else if (kind === 2) {
      const at = next() % (bytes.length + 1);
      out.push(new Uint8Array([...bytes.subarray(0, at), next() & 0xff, ...bytes.subarray(at)]));
    } else {
      out.push(Uint8Array.from({ length: next() % 64 }, () => next() & 0xff));
    }
  }
  return out;
}

// Returns how many of `count` mutations the parser rejected; throws if it
// failed any other way than with a CloisterError.
async function rejected_mutations(parse: (b: Uint8Array) => unknown, seed_input: Uint8Array, count: number): Promise<number> {
  let rejected = 0;
  for (const [i, input] of mutations(seed_input, count, 0x5eed + seed_input.length).entries()) {
    try {
      await parse(input);
    } catch (e) {
      if (!(e instanceof CloisterError)) throw new Error(`mutation ${i} threw ${String(e)}`);
      rejected++;
    }
  }
  return rejected;
}

const vcek = snp('trustee-milan/vcek.der');
const proof = fixture_bytes('release-a.proof');
const manifest = parse_release_proof(proof).manifest;

describe('parsers of untrusted bytes survive mutated input', () => {
  it.each([
    ['SNP report', (b: Uint8Array) => parse_report(b), snp('trustee-milan/report.bin')],
    ['release proof', (b: Uint8Array) => parse_release_proof(b), proof],
    ['signed note', (b: Uint8Array) => parse_note(b), parse_release_proof(proof).log_proof.checkpoint],
    ['canonical JSON', (b: Uint8Array) => parse_canonical_json(b), manifest],
    ['manifest', (b: Uint8Array) => parse_manifest(b), manifest],
    ['frame', (b: Uint8Array) => parse_frame(b), hex_decode('0300000000070000000200026869')],
    ['evidence bundle', (b: Uint8Array) => parse_evidence_bundle(b), hex_decode('01020000000151000000000000000147000000027b7d' + 'ee'.repeat(32) + '010000000150')],
    ['server message', (b: Uint8Array) => parse_server_message(b), hex_decode('04000201000100026e6f')],
    ['VCEK extensions', (b: Uint8Array) => decode_endorsement_key(parse_certificate(b), 'Milan'), vcek],
  ] as const)('%s', async (_name, parse, seed) => {
    const input = typeof seed === 'string' ? new TextEncoder().encode(seed) : seed;
    // Truncations, insertions and random bytes (three quarters of the
    // mutations) break every one of these formats' framing.
    expect(await rejected_mutations(parse, input, 300)).toBeGreaterThan(150);
  });
});
