// Encrypted history blobs with optimistic versions: a write names the version
// it replaces, and fails with a conflict if the stored one moved on (another
// tab, another device), so nothing is silently overwritten. HostBlobStore
// (cloister-host's blob API) is the real store; MemoryBlobStore, with the
// same contract, serves the unit tests.
import { CloisterError, is_error } from '../../lib/errors';

export interface StoredBlob {
  id: string;
  version: number; // 1 for the first write
  sealed: Uint8Array;
}

// As at the host, a deletion leaves a tombstone that takes the next version,
// so a re-created id never reuses a version (which the AEAD binds).
export interface BlobStore {
  list(): Promise<StoredBlob[]>;
  get(id: string): Promise<StoredBlob | null>;
  // Writes the blob and returns its new version. `expected` is the version it
  // replaces, or 0 to create it (allowed over a tombstone, numbering after it).
  // Throws a conflict if the stored blob is not at `expected`.
  put(id: string, expected: number, sealed: Uint8Array): Promise<number>;
  // Deletes the blob if its version is still `expected`.
  remove(id: string, expected: number): Promise<void>;
}

// The error for a write that names a stale version (`actual` if known).
export function conflict(id: string, expected: number, actual: number | null): CloisterError {
  const where = actual === null ? 'is no longer' : `is at version ${actual}, not`;
  return new CloisterError('rejected', `conflict: ${id} ${where} ${expected === 0 ? 'absent' : expected} (changed elsewhere)`);
}

// Returns true if `e` is a stale-version conflict from a BlobStore.
export function is_conflict(e: unknown): boolean {
  return is_error(e, 'rejected') && e.message.startsWith('conflict: ');
}

interface Entry {
  version: number;
  sealed: Uint8Array | null; // null: a tombstone
}

// Applies one write to `current` (null: never written); throws a conflict.
function next_entry(id: string, current: Entry | null, expected: number, sealed: Uint8Array | null): Entry {
  const live = current !== null && current.sealed !== null ? current.version : 0;
  if (live !== expected) throw conflict(id, expected, live);
  if (sealed === null && live === 0) throw conflict(id, expected, 0);
  return { version: (current?.version ?? 0) + 1, sealed };
}

export class MemoryBlobStore implements BlobStore {
  private readonly entries = new Map<string, Entry>();

  async list(): Promise<StoredBlob[]> {
    return [...this.entries].filter(([, e]) => e.sealed !== null).map(([id, e]) => ({ id, version: e.version, sealed: e.sealed! }));
  }
  async get(id: string): Promise<StoredBlob | null> {
    const e = this.entries.get(id);
    return e === undefined || e.sealed === null ? null : { id, version: e.version, sealed: e.sealed };
  }
  async put(id: string, expected: number, sealed: Uint8Array): Promise<number> {
    const entry = next_entry(id, this.entries.get(id) ?? null, expected, sealed);
    this.entries.set(id, entry);
    return entry.version;
  }
  async remove(id: string, expected: number): Promise<void> {
    this.entries.set(id, next_entry(id, this.entries.get(id) ?? null, expected, null));
  }
}
