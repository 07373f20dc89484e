// The user's conversations, sealed under the history key before they reach
// any store (docs/keys.md "History blobs"): each write is bound to the
// account, the blob id and the version it becomes. A write that finds the
// stored version moved on (another tab or device) is merged with it three
// ways; if both sides changed the same thing, the stored version stays and
// this side's is kept as a separate "conflicting copy". Nothing is lost.
import { open_blob, seal_blob } from '../../lib/history/blob_cipher';
import type { AccountKeys } from '../../lib/keys/account_keys';
import { type Conversation, decode_conversation, encode_conversation, kConversationPrefix, new_conversation, object_id } from './conversation';
import { type BlobStore, type StoredBlob, is_conflict } from './history_store';
import { merge_conversations } from './merge';

export interface SaveOutcome {
  version: number;
  // What is stored now under the conversation's id (the merge, or the other
  // side's version when they conflicted); the caller shows this.
  conversation: Conversation;
  // This side's version, saved under a new id, when it could not be merged.
  copy: Conversation | null;
  // What happened, for the user ('' when the write simply went through).
  note: string;
}

const kMaxMergeRounds = 5;

function clone(conversation: Conversation): Conversation {
  return { ...conversation, messages: conversation.messages.map((m) => ({ ...m })) };
}

export class History {
  private readonly versions = new Map<string, number>();
  // The last version this page read or wrote, per blob id: the merge base.
  private readonly bases = new Map<string, Conversation>();

  constructor(
    private readonly keys: AccountKeys,
    private readonly store: BlobStore,
  ) {}

  private binding(id: string, version: number) {
    return { account: this.keys.identity.public_key, object_id: id, version };
  }

  private async open(blob: StoredBlob): Promise<Conversation> {
    const conversation = decode_conversation(await open_blob(this.keys.history_key, this.binding(blob.id, blob.version), blob.sealed));
    if (object_id(conversation.id) !== blob.id) throw new Error('the conversation is filed under another id');
    return conversation;
  }

  // Loads and opens every conversation; a blob that does not open is skipped
  // and reported (it was altered, or is not this account's).
  async load_all(): Promise<{ conversations: Conversation[]; unreadable: string[] }> {
    const conversations: Conversation[] = [];
    const unreadable: string[] = [];
    for (const blob of await this.store.list()) {
      if (!blob.id.startsWith(kConversationPrefix)) continue;
      try {
        const conversation = await this.open(blob);
        conversations.push(conversation);
        this.versions.set(blob.id, blob.version);
        this.bases.set(blob.id, clone(conversation));
      } catch {
        unreadable.push(blob.id);
      }
    }
    conversations.sort((a, b) => b.updated - a.updated);
    return { conversations, unreadable };
  }

  // Seals and stores `conversation` as the next version of `expected`;
  // throws a conflict if the stored one is not at `expected`.
  private async write(conversation: Conversation, expected: number): Promise<number> {
    const id = object_id(conversation.id);
    const plaintext = encode_conversation(conversation);
    let version = await this.store.put(id, expected, await seal_blob(this.keys.history_key, this.binding(id, expected + 1), plaintext));
    if (version !== expected + 1) {
      // The store numbered it otherwise (a re-created id continues after its
      // deletion's version): write it again, sealed for the version it gets.
      version = await this.store.put(id, version, await seal_blob(this.keys.history_key, this.binding(id, version + 1), plaintext));
    }
    this.versions.set(id, version);
    this.bases.set(id, clone(conversation));
    return version;
  }

  // Stores `conversation` as the next version of the one this page knows,
  // merging with a version written elsewhere meanwhile (see SaveOutcome).
  async save(conversation: Conversation): Promise<SaveOutcome> {
    const id = object_id(conversation.id);
    let mine = conversation;
    let note = '';
    for (let round = 0; round < kMaxMergeRounds; round++) {
      try {
        return { version: await this.write(mine, this.versions.get(id) ?? 0), conversation: mine, copy: null, note };
      } catch (e) {
        if (!is_conflict(e)) throw e;
      }
      const stored = await this.store.get(id);
      if (stored === null) {
        // Deleted elsewhere while changed here: this side's version is re-created.
        this.versions.delete(id);
        note = 'This conversation was deleted elsewhere; your version was kept.';
        continue;
      }
      const theirs = await this.open(stored);
      const base = this.bases.get(id) ?? null;
      this.versions.set(id, stored.version);
      this.bases.set(id, clone(theirs));
      const { merged, conflicting } = merge_conversations(base, mine, theirs);
      if (merged !== null) {
        mine = merged;
        note = 'Merged with a change made elsewhere.';
        continue;
      }
      const copy = { ...clone(mine), id: new_conversation().id, title: `${mine.title} (conflicting copy)`.slice(0, 200) };
      await this.write(copy, 0);
      return {
        version: stored.version,
        conversation: theirs,
        copy,
        note: `conflict: ${conflicting.join(', ')} changed elsewhere too; the other version is shown and yours was kept as "${copy.title}".`,
      };
    }
    throw new Error(`conflict: ${id} kept changing elsewhere; try again`);
  }

  async remove(conversation_id: string): Promise<void> {
    const id = object_id(conversation_id);
    await this.store.remove(id, this.versions.get(id) ?? 0);
    this.versions.delete(id);
    this.bases.delete(id);
  }
}
