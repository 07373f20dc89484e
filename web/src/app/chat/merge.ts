// Three-way merge of a conversation changed in two places (two tabs, two
// devices) since the version both started from: a field changed on one side
// only takes that side's value, messages appended on both sides are all kept
// (theirs first), and anything else is a real conflict, which the caller
// settles by keeping both versions. Nothing is dropped silently.
import type { ChatMessage, Conversation } from './conversation';

export interface MergeResult {
  merged: Conversation | null; // null: a real conflict
  // The fields both sides changed differently (empty when merged).
  conflicting: string[];
}

function same_messages(a: ChatMessage[], b: ChatMessage[]): boolean {
  return a.length === b.length && a.every((m, i) => m.role === b[i]!.role && m.content === b[i]!.content);
}

function extends_messages(longer: ChatMessage[], prefix: ChatMessage[]): boolean {
  return longer.length >= prefix.length && same_messages(longer.slice(0, prefix.length), prefix);
}

// Merges `mine` and `theirs`, both derived from `base` (null: no common
// version is known, so only identical changes merge).
export function merge_conversations(base: Conversation | null, mine: Conversation, theirs: Conversation): MergeResult {
  const conflicting: string[] = [];
  const pick = <K extends 'title' | 'folder' | 'system_prompt'>(field: K): Conversation[K] => {
    if (mine[field] === theirs[field]) return mine[field];
    if (base !== null && mine[field] === base[field]) return theirs[field];
    if (base !== null && theirs[field] === base[field]) return mine[field];
    conflicting.push(field);
    return mine[field];
  };
  const title = pick('title');
  const folder = pick('folder');
  const system_prompt = pick('system_prompt');
  let messages = mine.messages;
  if (same_messages(mine.messages, theirs.messages)) messages = mine.messages;
  else if (base !== null && same_messages(mine.messages, base.messages)) messages = theirs.messages;
  else if (base !== null && same_messages(theirs.messages, base.messages)) messages = mine.messages;
  else if (base !== null && extends_messages(mine.messages, base.messages) && extends_messages(theirs.messages, base.messages)) {
    messages = [...theirs.messages, ...mine.messages.slice(base.messages.length)];
  } else conflicting.push('messages');
  if (conflicting.length > 0) return { merged: null, conflicting };
  return {
    merged: { id: mine.id, title, folder, system_prompt, messages: messages.map((m) => ({ ...m })), updated: Math.max(mine.updated, theirs.updated) },
    conflicting,
  };
}
