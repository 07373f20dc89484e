import { describe, expect, it } from 'vitest';
import { type Conversation, new_conversation } from './conversation';
import { merge_conversations } from './merge';

function base(): Conversation {
  return { ...new_conversation(1000), title: 'Plan', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] };
}

describe('three-way merge of conversations', () => {
  it('takes each field from the side that changed it', () => {
    const b = base();
    const { merged, conflicting } = merge_conversations(b, { ...b, title: 'Mine', updated: 2000 }, { ...b, folder: 'Theirs', system_prompt: 'Be brief.', updated: 3000 });
    expect(conflicting).toEqual([]);
    expect(merged).toMatchObject({ title: 'Mine', folder: 'Theirs', system_prompt: 'Be brief.', updated: 3000 });
  });

  it('keeps messages appended on both sides, theirs first', () => {
    const b = base();
    const mine = { ...b, messages: [...b.messages, { role: 'user' as const, content: 'mine' }] };
    const theirs = { ...b, messages: [...b.messages, { role: 'user' as const, content: 'theirs' }, { role: 'assistant' as const, content: 'reply' }] };
    expect(merge_conversations(b, mine, theirs).merged!.messages.map((m) => m.content)).toEqual(['a', 'b', 'theirs', 'reply', 'mine']);
  });

  it('reports fields both sides changed differently, and rewritten messages', () => {
    const b = base();
    expect(merge_conversations(b, { ...b, title: 'x' }, { ...b, title: 'y' })).toEqual({ merged: null, conflicting: ['title'] });
    const rewritten = { ...b, messages: [{ role: 'user' as const, content: 'edited' }] };
    const appended = { ...b, messages: [...b.messages, { role: 'user' as const, content: 'c' }] };
    expect(merge_conversations(b, rewritten, appended).conflicting).toEqual(['messages']);
    expect(merge_conversations(b, { ...b, title: 'same' }, { ...b, title: 'same' }).merged!.title).toBe('same');
  });

  it('merges only identical changes without a common version', () => {
    const b = base();
    expect(merge_conversations(null, { ...b, title: 'x' }, { ...b, title: 'y' }).conflicting).toEqual(['title']);
    expect(merge_conversations(null, b, { ...b }).merged).toEqual(b);
  });
});
