// Conversations as the user keeps them: a title, a folder, a system prompt and
// the messages. Each is one history blob (sealed with the history key, bound
// to its id and version); this module turns them into bytes and back,
// checking every field and bounding every size.
import { base64url_encode, utf8_decode, utf8_encode } from '../../lib/bytes/encoding';
import { random_bytes } from '../../lib/crypto/webcrypto';
import { CloisterError } from '../../lib/errors';

export type Role = 'user' | 'assistant';
export interface ChatMessage {
  role: Role;
  content: string;
}

export interface Conversation {
  id: string;
  title: string;
  folder: string; // '' for none
  system_prompt: string;
  messages: ChatMessage[];
  updated: number; // ms since the epoch
}

export const kMaxTitle = 200;
export const kMaxFolder = 100;
export const kMaxSystemPrompt = 16 * 1024;
export const kMaxMessages = 10_000;
export const kMaxConversationBytes = 8 * 1024 * 1024;
const kFormat = 'cloister/conversation/v1';

// Returns a new, empty conversation with a random id.
export function new_conversation(now = Date.now()): Conversation {
  return { id: base64url_encode(random_bytes(16)), title: 'New conversation', folder: '', system_prompt: '', messages: [], updated: now };
}

// Returns a title from the first user message.
export function title_from(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 60 ? line.slice(0, 59) + '…' : line || 'New conversation';
}

export const kConversationPrefix = 'conversation.';

// Returns the blob id the host files a conversation under (host blob ids are
// 1 to 128 characters of [A-Za-z0-9._-]).
export function object_id(conversation_id: string): string {
  return `${kConversationPrefix}${conversation_id}`;
}

export function encode_conversation(conversation: Conversation): Uint8Array {
  const bytes = utf8_encode(JSON.stringify({ format: kFormat, ...conversation }));
  if (bytes.length > kMaxConversationBytes) throw new CloisterError('resource_exhausted', 'the conversation is over 8 MiB');
  return bytes;
}

function malformed(field: string): CloisterError {
  return new CloisterError('malformed', `stored conversation: ${field}`);
}

function string_field(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length > max) throw malformed(`${field} must be a string of at most ${max} characters`);
  return value;
}

export function decode_conversation(bytes: Uint8Array): Conversation {
  if (bytes.length > kMaxConversationBytes) throw malformed('over 8 MiB');
  let value: unknown;
  try {
    value = JSON.parse(utf8_decode(bytes, 'conversation'));
  } catch (e) {
    throw malformed(`not JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('not an object');
  const v = value as Record<string, unknown>;
  if (v.format !== kFormat) throw malformed(`format is not ${kFormat}`);
  if (!Array.isArray(v.messages) || v.messages.length > kMaxMessages) throw malformed('messages must be a list');
  const messages = v.messages.map((m: unknown, i): ChatMessage => {
    const message = m as Record<string, unknown> | null;
    if (message === null || (message.role !== 'user' && message.role !== 'assistant')) throw malformed(`messages[${i}].role`);
    return { role: message.role, content: string_field(message.content, `messages[${i}].content`, kMaxConversationBytes) };
  });
  if (typeof v.updated !== 'number' || !Number.isSafeInteger(v.updated)) throw malformed('updated must be an integer');
  const id = string_field(v.id, 'id', 64);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw malformed('id must be base64url');
  return {
    id,
    title: string_field(v.title, 'title', kMaxTitle),
    folder: string_field(v.folder, 'folder', kMaxFolder),
    system_prompt: string_field(v.system_prompt, 'system_prompt', kMaxSystemPrompt),
    messages,
    updated: v.updated,
  };
}

// Returns what the enclave is asked: the system prompt, then the messages.
export function request_messages(conversation: Conversation): { role: 'system' | Role; content: string }[] {
  const system = conversation.system_prompt.trim();
  return [...(system === '' ? [] : [{ role: 'system' as const, content: system }]), ...conversation.messages];
}
