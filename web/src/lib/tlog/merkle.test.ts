// Checks the Merkle code against a reference written here straight from
// RFC 6962 section 2.1 (MTH, PATH, SUBPROOF), recursing over the entries and
// sharing no code with merkle.ts, and against the real log's tiles.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytes_equal, hex_encode } from '../bytes/encoding';
import { parse_checkpoint_text } from './checkpoint';
import { fixture_text, fixture_tiles } from './fixture.test_support';
import {
  type Hash,
  type NodeHashReader,
  consistency_proof,
  leaf_hash,
  tree_root,
  verify_consistency,
  verify_inclusion,
} from './merkle';
import { parse_note } from './note';
import { TiledHashReader, tile_index_path, tile_path, tile_width } from './tiles';

// --- The RFC 6962 reference --------------------------------------------------
const h = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return new Uint8Array(hash.digest());
};
const k_of = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
function mth(d: Uint8Array[]): Hash {
  if (d.length === 0) return h();
  if (d.length === 1) return h(new Uint8Array([0]), d[0]!);
  const k = k_of(d.length);
  return h(new Uint8Array([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(m: number, d: Uint8Array[]): Hash[] {
  if (d.length <= 1) return [];
  const k = k_of(d.length);
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function subproof(m: number, d: Uint8Array[], b: boolean): Hash[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = k_of(d.length);
  return m <= k
    ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}
// ------------------------------------------------------------------------------

const entries = Array.from({ length: 21 }, (_, i) => new TextEncoder().encode(`entry ${i}`));

// Complete subtrees straight from the reference.
const reference_reader: NodeHashReader = {
  node_hash: async (level, index) => {
    const width = 2 ** level;
    const start = Number(index) * width;
    return mth(entries.slice(start, start + width));
  },
};

describe('Merkle tree', () => {
  it('verifies every reference inclusion proof and rejects altered ones', async () => {
    for (let n = 1; n <= entries.length; n++) {
      const d = entries.slice(0, n);
      const root = mth(d);
      expect(bytes_equal(await tree_root(reference_reader, BigInt(n)), root)).toBe(true);
      for (let m = 0; m < n; m++) {
        const proof = path(m, d);
        const leaf = await leaf_hash(d[m]!);
        await verify_inclusion(leaf, BigInt(m), BigInt(n), proof, root);
        await expect(verify_inclusion(leaf, BigInt(m), BigInt(n), proof, h())).rejects.toThrow(/root hash/);
        if (proof.length > 0) {
          await expect(verify_inclusion(leaf, BigInt(m), BigInt(n), proof.slice(1), root)).rejects.toThrow(/too short/);
          const altered = proof.map((p, i) => (i === 0 ? h(p) : p));
          await expect(verify_inclusion(leaf, BigInt(m), BigInt(n), altered, root)).rejects.toThrow(/root hash/);
        }
        if (n > 1) await expect(verify_inclusion(leaf, BigInt((m + 1) % n), BigInt(n), proof, root)).rejects.toThrow();
      }
    }
  });

  it('generates and verifies every reference consistency proof', async () => {
    for (let n = 1; n <= entries.length; n++) {
      for (let m = 1; m < n; m++) {
        const expected = subproof(m, entries.slice(0, n), true);
        const proof = await consistency_proof(reference_reader, BigInt(m), BigInt(n));
        expect(proof.map(hex_encode)).toEqual(expected.map(hex_encode));
        const old_root = mth(entries.slice(0, m));
        const new_root = mth(entries.slice(0, n));
        await verify_consistency(BigInt(m), BigInt(n), old_root, new_root, proof);
        await expect(verify_consistency(BigInt(m), BigInt(n), new_root, new_root, proof)).rejects.toThrow(/does not lead/);
        await expect(verify_consistency(BigInt(m), BigInt(n), old_root, old_root, proof)).rejects.toThrow();
      }
    }
  });

  it('treats equal sizes and the empty tree as RFC 9162 says', async () => {
    const root = mth(entries.slice(0, 3));
    await verify_consistency(3n, 3n, root, root, []);
    await expect(verify_consistency(3n, 3n, root, mth(entries.slice(0, 2)), [])).rejects.toThrow(/different roots/);
    await verify_consistency(0n, 5n, h(), root, []);
    await expect(verify_consistency(5n, 3n, root, root, [])).rejects.toThrow(/exceeds/);
  });
});

describe('tiles', () => {
  it('names tiles as c2sp.org/tlog-tiles does', () => {
    expect(tile_index_path(1234067n)).toBe('x001/x234/067');
    expect(tile_index_path(5n)).toBe('005');
    expect(tile_path(0, 1n, 4n)).toBe('tile/0/001.p/4');
    expect(tile_path(2, 1000n, 256n)).toBe('tile/2/x001/000');
    expect(tile_width(0, 1n, 260n)).toBe(4n);
    expect(tile_width(1, 0n, 260n)).toBe(1n);
    expect(tile_width(0, 2n, 260n)).toBe(0n);
  });

  it("reproduces the real log's checkpoint root from its tiles", async () => {
    const checkpoint = parse_checkpoint_text(parse_note(fixture_text('checkpoint-260')).text);
    const root = await tree_root(new TiledHashReader(fixture_tiles(), 260n), 260n);
    expect(hex_encode(root)).toBe(hex_encode(checkpoint.root));
    const old = parse_checkpoint_text(parse_note(fixture_text('checkpoint-1')).text);
    expect(hex_encode(await tree_root(new TiledHashReader(fixture_tiles(), 1n), 1n))).toBe(hex_encode(old.root));
  });

  it('reports a missing tile as unavailable', async () => {
    const reader = new TiledHashReader(async () => null, 260n);
    await expect(reader.node_hash(0, 3n)).rejects.toThrow(/not available/);
    await expect(reader.node_hash(0, 260n)).rejects.toThrow(/not complete/);
  });
});
