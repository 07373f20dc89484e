// The conversation list: a "new conversation" button and the conversations
// grouped by folder, newest first. Each entry is a button, so the list is
// reachable and usable with the keyboard alone.
import type { Conversation } from '../chat/conversation';
import { h } from './dom';

export function sidebar(
  conversations: readonly Conversation[],
  selected: string | null,
  on_new: () => void,
  on_select: (id: string) => void,
): HTMLElement {
  const folders = new Map<string, Conversation[]>();
  for (const c of conversations) {
    const list = folders.get(c.folder) ?? [];
    list.push(c);
    folders.set(c.folder, list);
  }
  const names = [...folders.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  const entry = (c: Conversation) =>
    h('li', {},
      h('button', {
        type: 'button',
        class: 'conversation',
        'aria-current': c.id === selected ? 'true' : undefined,
        'data-testid': 'conversation',
        onclick: () => on_select(c.id),
      }, c.title));
  return h(
    'nav',
    { class: 'sidebar', 'aria-label': 'Conversations' },
    h('button', { type: 'button', 'data-testid': 'new-conversation', onclick: on_new }, 'New conversation'),
    ...names.map((name) =>
      h('section', { class: 'folder' },
        name === '' ? null : h('h2', { 'data-testid': 'folder' }, name),
        h('ul', {}, ...folders.get(name)!.map(entry))),
    ),
  );
}
