// Encrypted history blobs with optimistic versions: a write names the version
// it replaces, and fails with a conflict if the stored one moved on (another
// tab, another device), so nothing is silently overwritten. The host's blob
// API keeps the same contract; until the app talks to it, blobs live in the
// browser's IndexedDB, whose transactions make the compare-and-set atomic
// across tabs.
import { CloisterError } from '../../lib/errors';

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

const kDatabase = 'cloister-history';
const kStore = 'blobs';

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new CloisterError('unavailable', `IndexedDB: ${request.error?.message ?? 'failed'}`));
  });
}

interface StoredRecord {
  id: string;
  version: number;
  sealed: Uint8Array | null;
}

function as_record(value: unknown): StoredRecord {
  const v = value as Partial<StoredRecord> | null;
  if (v === null || typeof v.id !== 'string' || typeof v.version !== 'number' || !(v.sealed instanceof Uint8Array || v.sealed === null)) {
    throw new CloisterError('malformed', 'a stored history record is not a blob');
  }
  return { id: v.id, version: v.version, sealed: v.sealed };
}

// Blobs in IndexedDB, one database per account.
export class IndexedDbBlobStore implements BlobStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(account_id: string): Promise<IndexedDbBlobStore> {
    const open = indexedDB.open(`${kDatabase}/${account_id}`, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(kStore, { keyPath: 'id' });
    return new IndexedDbBlobStore(await done(open));
  }

  async list(): Promise<StoredBlob[]> {
    const all: unknown[] = await done(this.db.transaction(kStore, 'readonly').objectStore(kStore).getAll());
    return all.map(as_record).flatMap((r) => (r.sealed === null ? [] : [{ id: r.id, version: r.version, sealed: r.sealed }]));
  }
  async get(id: string): Promise<StoredBlob | null> {
    const value: unknown = await done(this.db.transaction(kStore, 'readonly').objectStore(kStore).get(id));
    if (value === undefined) return null;
    const r = as_record(value);
    return r.sealed === null ? null : { id, version: r.version, sealed: r.sealed };
  }
  // The read and the write share one readwrite transaction, so two tabs cannot interleave.
  private async swap(id: string, expected: number, sealed: Uint8Array | null): Promise<number> {
    const store = this.db.transaction(kStore, 'readwrite').objectStore(kStore);
    const current: unknown = await done(store.get(id));
    const entry = next_entry(id, current === undefined ? null : as_record(current), expected, sealed);
    await done(store.put({ id, ...entry }));
    return entry.version;
  }
  async put(id: string, expected: number, sealed: Uint8Array): Promise<number> {
    return this.swap(id, expected, sealed);
  }
  async remove(id: string, expected: number): Promise<void> {
    await this.swap(id, expected, null);
  }
}
