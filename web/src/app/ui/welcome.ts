// The first screen: create an account with a passkey, or unlock with a
// passkey, a recovery code or a passphrase. Failures are shown as they are
// worded (they say what went wrong), and a browser without the PRF extension
// is told so before anything is attempted.
import { is_error } from '../../lib/errors';
import { kNoPrfExplanation } from '../../lib/keys/passkey';
import { parse_account_id } from '../../lib/keys/account_keys';
import {
  type UnlockedAccount,
  create_account_with_passkey,
  unlock_with_passkey,
  unlock_with_passphrase,
  unlock_with_recovery_code,
} from '../account/account';
import type { SlotStore } from '../account/slot_store';
import { h, replace_children } from './dom';

export interface WelcomeHandlers {
  on_created(account: UnlockedAccount, recovery_code: string): void;
  on_unlocked(account: UnlockedAccount): void;
}

function message_of(e: unknown): string {
  if (is_error(e)) return e.message;
  if (e instanceof DOMException && e.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out.';
  return e instanceof Error ? e.message : String(e);
}

// Renders the welcome screen into `root`.
export function render_welcome(root: Element, store: SlotStore, handlers: WelcomeHandlers): void {
  const status = h('p', { class: 'status', role: 'alert', 'data-testid': 'status' });
  const has_webauthn = typeof window.PublicKeyCredential === 'function';
  const rp_id = location.hostname;

  const run = (button: HTMLButtonElement, action: () => Promise<void>) => async () => {
    button.disabled = true;
    status.textContent = 'Working…';
    try {
      await action();
      status.textContent = '';
    } catch (e) {
      status.textContent = message_of(e);
    } finally {
      button.disabled = false;
    }
  };

  const create = h('button', { type: 'button', 'data-testid': 'create-passkey' }, 'Create an account with a passkey');
  create.addEventListener(
    'click',
    run(create, async () => {
      const { account, recovery_code } = await create_account_with_passkey(store, rp_id, 'Cloister account');
      handlers.on_created(account, recovery_code);
    }),
  );
  const unlock = h('button', { type: 'button', 'data-testid': 'unlock-passkey' }, 'Unlock with a passkey');
  unlock.addEventListener('click', run(unlock, async () => handlers.on_unlocked(await unlock_with_passkey(store, rp_id))));

  const code_input = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Recovery code', 'data-testid': 'recovery-input', placeholder: 'XXXX-XXXX-…' });
  const code_button = h('button', { type: 'submit', 'data-testid': 'unlock-recovery' }, 'Unlock');
  const code_form = h('form', { class: 'inline' }, code_input, code_button);
  code_form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run(code_button, async () => handlers.on_unlocked(await unlock_with_recovery_code(store, code_input.value)))();
  });

  const id_input = h('input', { type: 'text', autocomplete: 'username', 'aria-label': 'Account id' });
  const phrase_input = h('input', { type: 'password', autocomplete: 'current-password', 'aria-label': 'Passphrase' });
  const phrase_button = h('button', { type: 'submit' }, 'Unlock');
  const phrase_form = h('form', { class: 'inline' }, id_input, phrase_input, phrase_button);
  phrase_form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run(phrase_button, async () => {
      handlers.on_unlocked(await unlock_with_passphrase(store, parse_account_id(id_input.value.trim()), phrase_input.value));
    })();
  });

  replace_children(
    root,
    h(
      'section',
      { class: 'welcome', 'aria-labelledby': 'welcome-title' },
      h('h1', { id: 'welcome-title' }, 'Cloister'),
      h('p', {}, 'A private assistant: everything you write is encrypted in this page, for an enclave this page has verified.'),
      has_webauthn ? h('div', { class: 'actions' }, create, unlock) : h('p', { class: 'warning', 'data-testid': 'no-prf' }, kNoPrfExplanation),
      h('h2', {}, 'Recovery code'),
      code_form,
      h('details', {}, h('summary', {}, 'Passphrase'), phrase_form),
      status,
    ),
  );
}

// Shows the recovery code once; `on_saved` continues to the app.
export function render_recovery_code(root: Element, code: string, on_saved: () => void): void {
  const done = h('button', { type: 'button', 'data-testid': 'recovery-saved' }, 'I have written it down');
  done.addEventListener('click', on_saved);
  replace_children(
    root,
    h(
      'section',
      { class: 'welcome' },
      h('h1', {}, 'Your recovery code'),
      h('p', {}, 'Write it down and keep it safe. It unlocks your account if you lose your passkeys; it is shown only now.'),
      h('p', { class: 'recovery-code', 'data-testid': 'recovery-code' }, code),
      done,
    ),
  );
}
