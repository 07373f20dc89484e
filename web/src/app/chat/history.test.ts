import { describe, expect, it } from 'vitest';
import { derive_account_keys, generate_root_secret } from '../../lib/keys/account_keys';
import { decode_conversation, encode_conversation, new_conversation, request_messages, title_from } from './conversation';
import { History } from './history';
import { MemoryBlobStore } from './history_store';

async function keys() {
  return derive_account_keys(generate_root_secret());
}

describe('conversation history', () => {
  it('stores conversations only as ciphertext and reads them back', async () => {
    const store = new MemoryBlobStore();
    const history = new History(await keys(), store);
    const conversation = { ...new_conversation(1000), title: 'Tea', folder: 'Kitchen', system_prompt: 'Be brief.' };
    conversation.messages.push({ role: 'user', content: 'How do I brew green tea?' });
    expect((await history.save(conversation)).version).toBe(1);
    const [blob] = await store.list();
    expect(new TextDecoder('latin1').decode(blob!.sealed)).not.toContain('green tea');
    const again = new History(history['keys'], store);
    expect((await again.load_all()).conversations).toEqual([conversation]);
  });

  it('merges changes to different fields from another tab', async () => {
    const store = new MemoryBlobStore();
    const account = await keys();
    const first_tab = new History(account, store);
    const conversation = new_conversation();
    conversation.messages.push({ role: 'user', content: 'base' });
    await first_tab.save(conversation);
    const second_tab = new History(account, store);
    await second_tab.load_all();
    await second_tab.save({ ...conversation, title: 'renamed in tab 2', messages: [...conversation.messages, { role: 'user', content: 'from tab 2' }] });
    const outcome = await first_tab.save({ ...conversation, folder: 'Work', messages: [...conversation.messages, { role: 'user', content: 'from tab 1' }] });
    expect(outcome.note).toBe('Merged with a change made elsewhere.');
    expect(outcome.copy).toBeNull();
    expect(outcome.version).toBe(3);
    const [stored] = (await new History(account, store).load_all()).conversations;
    expect(stored!.title).toBe('renamed in tab 2');
    expect(stored!.folder).toBe('Work');
    expect(stored!.messages.map((m) => m.content)).toEqual(['base', 'from tab 2', 'from tab 1']);
  });

  it('keeps both versions when two tabs change the same thing', async () => {
    const store = new MemoryBlobStore();
    const account = await keys();
    const first_tab = new History(account, store);
    const conversation = new_conversation();
    await first_tab.save(conversation);
    const second_tab = new History(account, store);
    await second_tab.load_all();
    await second_tab.save({ ...conversation, title: 'renamed in tab 2' });
    const outcome = await first_tab.save({ ...conversation, title: 'renamed in tab 1' });
    expect(outcome.note).toMatch(/^conflict: title changed elsewhere too; the other version is shown and yours was kept as "renamed in tab 1 \(conflicting copy\)"/);
    expect(outcome.conversation.title).toBe('renamed in tab 2');
    const titles = (await new History(account, store).load_all()).conversations.map((c) => c.title).sort();
    expect(titles).toEqual(['renamed in tab 1 (conflicting copy)', 'renamed in tab 2']);
    // The first tab now knows version 2 and writes on top of it.
    expect((await first_tab.save({ ...outcome.conversation, folder: 'x' })).version).toBe(3);
  });

  it('re-creates a conversation deleted elsewhere while it changed here', async () => {
    const store = new MemoryBlobStore();
    const account = await keys();
    const first_tab = new History(account, store);
    const conversation = new_conversation();
    await first_tab.save(conversation);
    const second_tab = new History(account, store);
    await second_tab.load_all();
    await second_tab.remove(conversation.id);
    const outcome = await first_tab.save({ ...conversation, title: 'still wanted' });
    expect(outcome.note).toMatch(/deleted elsewhere; your version was kept/);
    expect((await new History(account, store).load_all()).conversations.map((c) => c.title)).toEqual(['still wanted']);
  });

  it("refuses a blob moved to another id or another account's blob", async () => {
    const store = new MemoryBlobStore();
    const history = new History(await keys(), store);
    const a = new_conversation();
    await history.save(a);
    const [blob] = await store.list();
    await store.put('conversation.moved', 0, blob!.sealed);
    const stranger = new History(await keys(), store);
    expect((await stranger.load_all()).unreadable.sort()).toEqual([`conversation.${a.id}`, 'conversation.moved'].sort());
    expect((await new History(history['keys'], store).load_all()).unreadable).toEqual(['conversation.moved']);
  });

  it('re-creates a deleted conversation under versions it never used, sealed for the version it gets', async () => {
    const store = new MemoryBlobStore();
    const history = new History(await keys(), store);
    const conversation = new_conversation();
    await history.save(conversation);
    await history.remove(conversation.id);
    expect(await store.list()).toEqual([]);
    // Version 2 is the tombstone; the store numbers the re-created blob 3, so it is written again as 4.
    expect((await history.save(conversation)).version).toBe(4);
    expect((await new History(history['keys'], store).load_all()).conversations).toEqual([conversation]);
  });

  it('validates stored conversations strictly', () => {
    const good = encode_conversation(new_conversation());
    expect(decode_conversation(good).title).toBe('New conversation');
    const bad = (patch: Record<string, unknown>) =>
      new TextEncoder().encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(good)), ...patch }));
    expect(() => decode_conversation(bad({ format: 'x' }))).toThrow(/format/);
    expect(() => decode_conversation(bad({ messages: [{ role: 'system', content: '' }] }))).toThrow(/role/);
    expect(() => decode_conversation(bad({ id: '../x' }))).toThrow(/base64url/);
    expect(() => decode_conversation(bad({ title: 'x'.repeat(201) }))).toThrow(/title/);
  });

  it('puts the system prompt first in what the enclave is asked', () => {
    const c = { ...new_conversation(), system_prompt: ' Answer in French. ', messages: [{ role: 'user' as const, content: 'Hi' }] };
    expect(request_messages(c)).toEqual([
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(title_from('  First line\nsecond')).toBe('First line');
  });
});
