// Where wrapped key slots live: cloister-host's key-slot API (HostSlotStore,
// which files slots by lookup id and hands them only to someone who presents
// the lookup id), or memory in the unit tests. A slot is ciphertext either
// way: nothing here is secret.
import { hex_encode } from '../../lib/bytes/encoding';
import type { Ed25519KeyPair } from '../../lib/crypto/ed25519';
import type { SlotKind, WrappedSlot } from '../../lib/keys/key_slot';

export interface SlotInfo {
  kind: SlotKind;
  lookup_id: Uint8Array;
}

export interface SlotStore {
  // Proves the account's identity before changes (the host signs in); a
  // store in the browser needs nothing.
  authorize(identity: Ed25519KeyPair): Promise<void>;
  // Stores `slot`.
  put(slot: WrappedSlot): Promise<void>;
  // Returns the slot filed under `lookup_id`, or null.
  find(lookup_id: Uint8Array): Promise<WrappedSlot | null>;
  // Returns the kinds and ids of every slot of `account`.
  list(account: Uint8Array): Promise<SlotInfo[]>;
  // Removes the slot filed under `lookup_id`.
  remove(lookup_id: Uint8Array): Promise<void>;
}

// Slots in memory, for one page's lifetime (and the unit tests).
export class MemorySlotStore implements SlotStore {
  private readonly slots = new Map<string, WrappedSlot>();

  async authorize(): Promise<void> {}
  async put(slot: WrappedSlot): Promise<void> {
    this.slots.set(hex_encode(slot.lookup_id), slot);
  }
  async find(lookup_id: Uint8Array): Promise<WrappedSlot | null> {
    return this.slots.get(hex_encode(lookup_id)) ?? null;
  }
  async list(account: Uint8Array): Promise<SlotInfo[]> {
    const id = hex_encode(account);
    return [...this.slots.values()].filter((slot) => hex_encode(slot.account) === id);
  }
  async remove(lookup_id: Uint8Array): Promise<void> {
    this.slots.delete(hex_encode(lookup_id));
  }
}
