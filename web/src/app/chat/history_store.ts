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

export interface BlobStore {
  list(): Promise<StoredBlob[]>;
  get(id: string): Promise<StoredBlob | null>;
  // Writes version `expected + 1`; throws a conflict unless the stored version is `expected` (0: none).
  put(id: string, expected: number, sealed: Uint8Array): Promise<number>;
  // Deletes the blob if its version is still `expected`.
  remove(id: string, expected: number): Promise<void>;
}

export function conflict(id: string, expected: number, actual: number): CloisterError {
  return new CloisterError('rejected', `conflict: ${id} is at version ${actual}, not ${expected} (changed elsewhere)`);
}

export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, StoredBlob>();

  async list(): Promise<StoredBlob[]> {
    return [...this.blobs.values()];
  }
  async get(id: string): Promise<StoredBlob | null> {
    return this.blobs.get(id) ?? null;
  }
  async put(id: string, expected: number, sealed: Uint8Array): Promise<number> {
    const actual = this.blobs.get(id)?.version ?? 0;
    if (actual !== expected) throw conflict(id, expected, actual);
    this.blobs.set(id, { id, version: expected + 1, sealed });
    return expected + 1;
  }
  async remove(id: string, expected: number): Promise<void> {
    const actual = this.blobs.get(id)?.version ?? 0;
    if (actual !== expected) throw conflict(id, expected, actual);
    this.blobs.delete(id);
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

function as_blob(value: unknown): StoredBlob {
  const v = value as Partial<StoredBlob> | null;
  if (v === null || typeof v.id !== 'string' || typeof v.version !== 'number' || !(v.sealed instanceof Uint8Array)) {
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
    return all.map(as_blob);
  }
  async get(id: string): Promise<StoredBlob | null> {
    const value: unknown = await done(this.db.transaction(kStore, 'readonly').objectStore(kStore).get(id));
    return value === undefined ? null : as_blob(value);
  }
  // The read and the write share one readwrite transaction, so two tabs cannot interleave.
  private async swap(id: string, expected: number, next: StoredBlob | null): Promise<void> {
    const store = this.db.transaction(kStore, 'readwrite').objectStore(kStore);
    const current: unknown = await done(store.get(id));
    const actual = current === undefined ? 0 : as_blob(current).version;
    if (actual !== expected) throw conflict(id, expected, actual);
    if (next === null) await done(store.delete(id));
    else await done(store.put(next));
  }
  async put(id: string, expected: number, sealed: Uint8Array): Promise<number> {
    await this.swap(id, expected, { id, version: expected + 1, sealed });
    return expected + 1;
  }
  async remove(id: string, expected: number): Promise<void> {
    await this.swap(id, expected, null);
  }
}
