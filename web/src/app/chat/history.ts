// The user's conversations, sealed under the history key before they reach
// any store (docs/keys.md "History blobs"): each write is bound to the
// account, the blob id and the version it becomes.
import { open_blob, seal_blob } from '../../lib/history/blob_cipher';
import type { AccountKeys } from '../../lib/keys/account_keys';
import { type Conversation, decode_conversation, encode_conversation, kConversationPrefix, object_id } from './conversation';
import type { BlobStore } from './history_store';

export interface LoadedConversation {
  conversation: Conversation;
  version: number;
}

export class History {
  private readonly versions = new Map<string, number>();

  constructor(
    private readonly keys: AccountKeys,
    private readonly store: BlobStore,
  ) {}

  private binding(id: string, version: number) {
    return { account: this.keys.identity.public_key, object_id: id, version };
  }

  // Loads and opens every conversation; a blob that does not open is skipped
  // and reported (it was altered, or is not this account's).
  async load_all(): Promise<{ conversations: Conversation[]; unreadable: string[] }> {
    const conversations: Conversation[] = [];
    const unreadable: string[] = [];
    for (const blob of await this.store.list()) {
      if (!blob.id.startsWith(kConversationPrefix)) continue;
      try {
        const plain = await open_blob(this.keys.history_key, this.binding(blob.id, blob.version), blob.sealed);
        const conversation = decode_conversation(plain);
        if (object_id(conversation.id) !== blob.id) throw new Error('the conversation is filed under another id');
        conversations.push(conversation);
        this.versions.set(blob.id, blob.version);
      } catch {
        unreadable.push(blob.id);
      }
    }
    conversations.sort((a, b) => b.updated - a.updated);
    return { conversations, unreadable };
  }

  // Seals and stores `conversation` as the next version of the one loaded;
  // throws a conflict if it changed elsewhere meanwhile.
  async save(conversation: Conversation): Promise<number> {
    const id = object_id(conversation.id);
    const plaintext = encode_conversation(conversation);
    const expected = this.versions.get(id) ?? 0;
    let version = await this.store.put(id, expected, await seal_blob(this.keys.history_key, this.binding(id, expected + 1), plaintext));
    if (version !== expected + 1) {
      // The store numbered it otherwise (a re-created id continues after its
      // deletion's version): write it again, sealed for the version it gets.
      version = await this.store.put(id, version, await seal_blob(this.keys.history_key, this.binding(id, version + 1), plaintext));
    }
    this.versions.set(id, version);
    return version;
  }

  async remove(conversation_id: string): Promise<void> {
    const id = object_id(conversation_id);
    await this.store.remove(id, this.versions.get(id) ?? 0);
    this.versions.delete(id);
  }
}
