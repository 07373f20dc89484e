// C2SP tlog-tiles as a client reads them: tile paths, tile widths, and a
// NodeHashReader that answers from tiles fetched from anywhere (the host's
// /log/, a mirror). Nothing read is trusted: a wrong tile yields a proof that
// fails to verify. The twin of tlog/tiles.h's reading half.
import { ByteReader } from '../bytes/reader';
import { CloisterError } from '../errors';
import { type Hash, type NodeHashReader, interior_hash, kHashSize } from './merkle';

export const kTileHeight = 8;
export const kTileWidth = 256n;
const kMaxTileBytes = Number(kTileWidth) * kHashSize;

// Returns the file at `path` relative to the log prefix, or null if absent.
export type TileFetcher = (path: string) => Promise<Uint8Array | null>;

// Returns the <N> path element: 3-digit groups, all but the last prefixed with 'x'.
export function tile_index_path(n: bigint): string {
  const groups: string[] = [];
  do {
    groups.unshift((n % 1000n).toString().padStart(3, '0'));
    n /= 1000n;
  } while (n > 0n);
  return groups.map((g, i) => (i < groups.length - 1 ? 'x' + g : g)).join('/');
}

// Returns "tile/<level>/<N>", with ".p/<width>" when width < 256.
export function tile_path(level: number, n: bigint, width: bigint): string {
  const partial = width < kTileWidth ? `.p/${width}` : '';
  return `tile/${level}/${tile_index_path(n)}${partial}`;
}

// Returns how many hashes tile `n` at `level` holds in a tree of `tree_size`.
export function tile_width(level: number, n: bigint, tree_size: bigint): bigint {
  if (level < 0 || level * kTileHeight >= 64) return 0n;
  const hashes = tree_size >> BigInt(level * kTileHeight);
  const start = n * kTileWidth;
  if (hashes <= start) return 0n;
  return hashes - start < kTileWidth ? hashes - start : kTileWidth;
}

// Answers node_hash() for the tree of `tree_size` leaves from its tiles.
export class TiledHashReader implements NodeHashReader {
  private readonly cache = new Map<string, Hash[]>();

  constructor(
    private readonly fetch_tile: TileFetcher,
    private readonly tree_size: bigint,
  ) {}

  private async tile(tile_level: number, n: bigint): Promise<Hash[]> {
    const key = `${tile_level}/${n}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const width = tile_width(tile_level, n, this.tree_size);
    if (width === 0n) {
      throw new CloisterError('unavailable', `tile ${key} is not part of a tree of size ${this.tree_size}`);
    }
    const path = tile_path(tile_level, n, width);
    let data = await this.fetch_tile(path);
    // A partial tile that filled up is replaced by the full one.
    if (data === null && width < kTileWidth) data = await this.fetch_tile(tile_path(tile_level, n, kTileWidth));
    if (data === null) throw new CloisterError('unavailable', `tile ${path} is not available`);
    if (data.length !== Number(width) * kHashSize && data.length !== kMaxTileBytes) {
      throw new CloisterError('malformed', `tile ${path} has ${data.length} bytes, not ${Number(width) * kHashSize}`);
    }
    const reader = new ByteReader(data);
    const hashes: Hash[] = [];
    for (let i = 0n; i < width; i++) hashes.push(reader.bytes(kHashSize, 'tile hash'));
    this.cache.set(key, hashes);
    return hashes;
  }

  async node_hash(level: number, index: bigint): Promise<Hash> {
    if (level < 0 || level >= 64 || index >= this.tree_size >> BigInt(level)) {
      throw new CloisterError(
        'unavailable',
        `subtree at level ${level} index ${index} is not complete in a tree of size ${this.tree_size}`,
      );
    }
    const tile_level = Math.floor(level / kTileHeight);
    const sublevel = level % kTileHeight;
    const first = index << BigInt(sublevel);
    const hashes = await this.tile(tile_level, first / kTileWidth);
    const start = Number(first % kTileWidth);
    let row = hashes.slice(start, start + (1 << sublevel));
    while (row.length > 1) {
      const next: Hash[] = [];
      for (let i = 0; i < row.length; i += 2) next.push(await interior_hash(row[i]!, row[i + 1]!));
      row = next;
    }
    return row[0]!;
  }
}
