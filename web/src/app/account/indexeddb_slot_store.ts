// A SlotStore in the browser's IndexedDB (database "cloister", store
// "slots", keyed by the lookup id in hex). Records are checked when read back:
// the database is the user's own, but a record is parsed like any input.
import { hex_decode, hex_encode } from '../../lib/bytes/encoding';
import { CloisterError } from '../../lib/errors';
import { SlotKind, type WrappedSlot } from '../../lib/keys/key_slot';
import type { SlotInfo, SlotStore } from './slot_store';

const kDatabase = 'cloister';
const kStore = 'slots';

interface SlotRecord {
  lookup_id: string;
  kind: number;
  account: string;
  sealed: string;
}

function to_record(slot: WrappedSlot): SlotRecord {
  return { lookup_id: hex_encode(slot.lookup_id), kind: slot.kind, account: hex_encode(slot.account), sealed: hex_encode(slot.sealed) };
}

function from_record(value: unknown): WrappedSlot {
  const record = value as Partial<SlotRecord> | null;
  const kinds: number[] = [SlotKind.PasskeyPrf, SlotKind.Fido2HmacSecret, SlotKind.Passphrase, SlotKind.RecoveryCode];
  if (
    record === null ||
    typeof record.lookup_id !== 'string' ||
    typeof record.kind !== 'number' ||
    !kinds.includes(record.kind) ||
    typeof record.account !== 'string' ||
    typeof record.sealed !== 'string'
  ) {
    throw new CloisterError('malformed', 'a stored key slot is not a slot record');
  }
  return {
    kind: record.kind as SlotKind,
    lookup_id: hex_decode(record.lookup_id),
    account: hex_decode(record.account),
    sealed: hex_decode(record.sealed),
  };
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new CloisterError('unavailable', `IndexedDB: ${req.error?.message ?? 'request failed'}`));
  });
}

export class IndexedDbSlotStore implements SlotStore {
  private constructor(private readonly db: IDBDatabase) {}

  // Opens (creating on first use) the slot database.
  static async open(): Promise<IndexedDbSlotStore> {
    const open = indexedDB.open(kDatabase, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(kStore, { keyPath: 'lookup_id' });
    return new IndexedDbSlotStore(await request(open));
  }

  private store(mode: IDBTransactionMode): IDBObjectStore {
    return this.db.transaction(kStore, mode).objectStore(kStore);
  }

  async authorize(): Promise<void> {}

  async put(slot: WrappedSlot): Promise<void> {
    await request(this.store('readwrite').put(to_record(slot)));
  }
  async find(lookup_id: Uint8Array): Promise<WrappedSlot | null> {
    const value: unknown = await request(this.store('readonly').get(hex_encode(lookup_id)));
    return value === undefined ? null : from_record(value);
  }
  async list(account: Uint8Array): Promise<SlotInfo[]> {
    const all: unknown[] = await request(this.store('readonly').getAll());
    const id = hex_encode(account);
    return all.map(from_record).filter((slot) => hex_encode(slot.account) === id);
  }
  async remove(lookup_id: Uint8Array): Promise<void> {
    await request(this.store('readwrite').delete(hex_encode(lookup_id)));
  }
}
