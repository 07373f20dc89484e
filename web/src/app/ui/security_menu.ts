// Unlock methods of the unlocked account: how many slots of each kind exist,
// and adding a passkey, a passphrase or a new recovery code. Removing the last
// way back in is not offered here.
import { is_error } from '../../lib/errors';
import { SlotKind, slot_kind_name } from '../../lib/keys/key_slot';
import { type UnlockedAccount, add_passkey, add_passphrase, add_recovery_code } from '../account/account';
import type { SlotStore } from '../account/slot_store';
import { h, replace_children } from './dom';

function message_of(e: unknown): string {
  if (e instanceof DOMException && e.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out.';
  return is_error(e) || e instanceof Error ? e.message : String(e);
}

export function security_menu(store: SlotStore, account: UnlockedAccount): HTMLElement {
  const summary = h('p', { 'data-testid': 'unlock-methods' });
  const status = h('p', { class: 'status', role: 'status', 'data-testid': 'security-status' });
  const refresh = async () => {
    const slots = await store.list(account.keys.identity.public_key);
    const counts = new Map<SlotKind, number>();
    for (const slot of slots) counts.set(slot.kind, (counts.get(slot.kind) ?? 0) + 1);
    const ordered = [...counts].sort(([a], [b]) => a - b);
    summary.textContent = ordered.map(([kind, n]) => `${n} ${slot_kind_name(kind)}`).join(', ') || 'none';
  };
  const action = (label: string, testid: string, run: () => Promise<string>) =>
    h('button', {
      type: 'button',
      class: 'secondary',
      'data-testid': testid,
      onclick: async (event: Event) => {
        const button = event.currentTarget as HTMLButtonElement;
        button.disabled = true;
        try {
          status.textContent = await run();
          await refresh();
        } catch (e) {
          status.textContent = message_of(e);
        } finally {
          button.disabled = false;
        }
      },
    }, label);
  const phrase = h('input', { type: 'password', autocomplete: 'new-password', 'aria-label': 'New passphrase', 'data-testid': 'new-passphrase', placeholder: 'New passphrase (12+ characters)' });
  const code = h('p', { class: 'recovery-code', 'data-testid': 'new-recovery-code' });
  const menu = h(
    'details',
    { class: 'security' },
    h('summary', {}, 'Unlock methods'),
    h('p', {}, 'Slots: ', summary),
    h('div', { class: 'actions' },
      action('Add a passkey', 'add-passkey', async () => {
        await add_passkey(store, account, location.hostname, 'Cloister account');
        return 'Passkey added.';
      }),
      action('New recovery code', 'add-recovery', async () => {
        const fresh = await add_recovery_code(store, account);
        replace_children(code, fresh);
        return 'Write this code down; it is shown once. Older codes still work.';
      })),
    h('div', { class: 'inline' }, phrase,
      action('Set passphrase', 'set-passphrase', async () => {
        if (phrase.value.length < 12) throw new Error('Use a passphrase of at least 12 characters.');
        await add_passphrase(store, account, phrase.value);
        phrase.value = '';
        return `Passphrase set. To unlock with it, you need your account id: ${account.id}`;
      })),
    code,
    status,
  );
  void refresh();
  return menu;
}
