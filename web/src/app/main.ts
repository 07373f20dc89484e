// Entry point of the web app: opens the slot store and shows the welcome
// screen; once unlocked, the app shell.
import { IndexedDbSlotStore } from './account/indexeddb_slot_store';
import type { UnlockedAccount } from './account/account';
import { h, replace_children } from './ui/dom';
import { render_recovery_code, render_welcome } from './ui/welcome';

function render_unlocked(root: Element, account: UnlockedAccount): void {
  replace_children(
    root,
    h('section', { class: 'welcome' }, h('h1', {}, 'Unlocked'), h('p', {}, 'Account ', h('code', { 'data-testid': 'account-id' }, account.id))),
  );
}

async function start(): Promise<void> {
  const root = document.getElementById('app');
  if (root === null) return;
  const store = await IndexedDbSlotStore.open();
  render_welcome(root, store, {
    on_created: (account, code) => render_recovery_code(root, code, () => render_unlocked(root, account)),
    on_unlocked: (account) => render_unlocked(root, account),
  });
}

void start();
