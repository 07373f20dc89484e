// The RFC 6962 / RFC 9162 Merkle tree as a client needs it: leaf and interior
// hashes, inclusion and consistency proof verification, and consistency proof
// generation from hashes of complete subtrees (read from tlog tiles). The twin
// of tlog/merkle.h. Sizes and indexes are bigint: checkpoints allow 2^64 - 1.
import { bytes_equal } from '../bytes/encoding';
import { ByteWriter } from '../bytes/writer';
import { sha256 } from '../crypto/webcrypto';
import { CloisterError } from '../errors';

export type Hash = Uint8Array; // 32 bytes
export const kHashSize = 32;
// Proofs are at most 63 hashes long for any 64-bit tree size.
export const kMaxProofHashes = 63;

// Returns SHA-256(0x00 || entry).
export function leaf_hash(entry: Uint8Array): Promise<Hash> {
  return sha256(new ByteWriter().u8(0).bytes(entry).finish());
}

// Returns SHA-256(0x01 || left || right).
export function interior_hash(left: Hash, right: Hash): Promise<Hash> {
  return sha256(new ByteWriter().u8(1).bytes(left).bytes(right).finish());
}

function rejected(message: string): CloisterError {
  return new CloisterError('rejected', message);
}

// Supplies the hash of the 2^level leaves starting at index * 2^level.
export interface NodeHashReader {
  node_hash(level: number, index: bigint): Promise<Hash>;
}

function is_power_of_two(n: bigint): boolean {
  return n > 0n && (n & (n - 1n)) === 0n;
}

// The largest power of two strictly less than n (n >= 2): RFC 6962's k.
function split_point(n: bigint): bigint {
  let k = 1n;
  while (k << 1n < n) k <<= 1n;
  return k;
}

function trailing_zeros(n: bigint): number {
  let count = 0;
  while ((n & 1n) === 0n) {
    n >>= 1n;
    count++;
  }
  return count;
}

async function range_hash(reader: NodeHashReader, begin: bigint, end: bigint): Promise<Hash> {
  const size = end - begin;
  if (is_power_of_two(size)) {
    const level = trailing_zeros(size);
    return reader.node_hash(level, begin >> BigInt(level));
  }
  const k = split_point(size);
  return interior_hash(await range_hash(reader, begin, begin + k), await range_hash(reader, begin + k, end));
}

// SUBPROOF(m, D[begin:end], complete) from RFC 9162 section 2.1.4.1.
async function append_subproof(
  reader: NodeHashReader,
  m: bigint,
  begin: bigint,
  end: bigint,
  complete: boolean,
  proof: Hash[],
): Promise<void> {
  const n = end - begin;
  if (m === n) {
    if (!complete) proof.push(await range_hash(reader, begin, end));
    return;
  }
  const k = split_point(n);
  if (m <= k) {
    await append_subproof(reader, m, begin, begin + k, complete, proof);
    proof.push(await range_hash(reader, begin + k, end));
  } else {
    await append_subproof(reader, m - k, begin + k, end, false, proof);
    proof.push(await range_hash(reader, begin, begin + k));
  }
}

// Returns the RFC 9162 consistency proof from old_size to new_size leaves.
export async function consistency_proof(reader: NodeHashReader, old_size: bigint, new_size: bigint): Promise<Hash[]> {
  if (old_size > new_size) {
    throw new CloisterError('invalid_argument', `old tree size ${old_size} exceeds new tree size ${new_size}`);
  }
  const proof: Hash[] = [];
  if (old_size === 0n || old_size === new_size) return proof;
  await append_subproof(reader, old_size, 0n, new_size, true, proof);
  return proof;
}

// Returns the root of the tree of `size` leaves read through `reader`.
export async function tree_root(reader: NodeHashReader, size: bigint): Promise<Hash> {
  if (size === 0n) return sha256(new Uint8Array(0));
  return range_hash(reader, 0n, size);
}

// Checks that `proof` shows leaf hash `leaf` at `index` in the tree of `size`
// leaves with root `root` (RFC 9162 section 2.1.3.2). Throws `rejected`.
export async function verify_inclusion(
  leaf: Hash,
  index: bigint,
  size: bigint,
  proof: readonly Hash[],
  root: Hash,
): Promise<void> {
  if (index >= size) throw rejected(`leaf index ${index} is not below tree size ${size}`);
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw rejected('inclusion proof is too long');
    if ((fn & 1n) !== 0n || fn === sn) {
      r = await interior_hash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await interior_hash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw rejected('inclusion proof is too short');
  if (!bytes_equal(r, root)) throw rejected('inclusion proof does not lead to the root hash');
}

// Checks that `proof` shows (old_size, old_root) to be a prefix of
// (new_size, new_root) (RFC 9162 section 2.1.4.2). Throws `rejected`.
export async function verify_consistency(
  old_size: bigint,
  new_size: bigint,
  old_root: Hash,
  new_root: Hash,
  proof: readonly Hash[],
): Promise<void> {
  if (old_size > new_size) throw rejected(`old tree size ${old_size} exceeds new tree size ${new_size}`);
  if (old_size === new_size) {
    if (proof.length !== 0) throw rejected('consistency proof between equal sizes must be empty');
    if (!bytes_equal(old_root, new_root)) throw rejected('trees of equal size have different roots');
    return;
  }
  if (old_size === 0n) {
    if (proof.length !== 0) throw rejected('consistency proof from the empty tree must be empty');
    return;
  }
  if (proof.length === 0) throw rejected('consistency proof is empty');
  const path = is_power_of_two(old_size) ? [old_root, ...proof] : [...proof];
  let fn = old_size - 1n;
  let sn = new_size - 1n;
  while ((fn & 1n) !== 0n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) throw rejected('consistency proof is too long');
    if ((fn & 1n) !== 0n || fn === sn) {
      fr = await interior_hash(c, fr);
      sr = await interior_hash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await interior_hash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw rejected('consistency proof is too short');
  if (!bytes_equal(fr, old_root)) throw rejected('consistency proof does not lead to the old root hash');
  if (!bytes_equal(sr, new_root)) throw rejected('consistency proof does not lead to the new root hash');
}
