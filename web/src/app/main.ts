// Entry point of the web app: the welcome screen until the account is
// unlocked, then the chat. Key slots and the sealed history live at the
// cloister-host that served this page (its slot and blob APIs), and the
// session relay takes the same sign-in's bearer token.
import { lock, type UnlockedAccount } from './account/account';
import { History } from './chat/history';
import { enclave_connector } from './connect';
import { HostClient } from './host/host_client';
import { HostBlobStore, HostSlotStore } from './host/host_stores';
import { ChatView } from './ui/chat_view';
import { h, replace_children } from './ui/dom';
import { security_menu } from './ui/security_menu';
import { render_recovery_code, render_welcome } from './ui/welcome';

function start(): void {
  const root = document.getElementById('app');
  if (root === null) return;
  const host = new HostClient(location.origin);
  const store = new HostSlotStore(host);
  const show_welcome = (): void =>
    render_welcome(root, store, {
      on_created: (account, code) => render_recovery_code(root, code, () => void open_chat(account)),
      on_unlocked: (account) => void open_chat(account),
    });
  const open_chat = async (account: UnlockedAccount): Promise<void> => {
    try {
      await store.authorize(account.keys.identity);
    } catch (e) {
      lock(account);
      replace_children(root, h('section', { class: 'welcome' },
        h('h1', {}, 'Cannot sign in to the host'),
        h('p', { role: 'alert', 'data-testid': 'status' }, (e as Error).message),
        h('button', { type: 'button', onclick: show_welcome }, 'Back')));
      return;
    }
    const history = new History(account.keys, new HostBlobStore(host));
    const view = new ChatView(
      root,
      history,
      enclave_connector(() => host.bearer_token),
      account.id,
      () => {
        lock(account);
        host.sign_out();
        store.forget();
        show_welcome();
      },
      security_menu(store, account),
    );
    await view.start();
  };
  show_welcome();
}

start();
