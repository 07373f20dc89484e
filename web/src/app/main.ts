// Entry point of the web app: the welcome screen until the account is
// unlocked, then the chat, whose history is sealed under the account's keys.
import { lock, type UnlockedAccount } from './account/account';
import { IndexedDbSlotStore } from './account/indexeddb_slot_store';
import { History } from './chat/history';
import { IndexedDbBlobStore } from './chat/history_store';
import { enclave_connector } from './connect';
import { ChatView } from './ui/chat_view';
import { security_menu } from './ui/security_menu';
import { render_recovery_code, render_welcome } from './ui/welcome';

async function start(): Promise<void> {
  const root = document.getElementById('app');
  if (root === null) return;
  const store = await IndexedDbSlotStore.open();
  const show_welcome = (): void =>
    render_welcome(root, store, {
      on_created: (account, code) => render_recovery_code(root, code, () => void open_chat(account)),
      on_unlocked: (account) => void open_chat(account),
    });
  const open_chat = async (account: UnlockedAccount): Promise<void> => {
    const history = new History(account.keys, await IndexedDbBlobStore.open(account.id));
    const view = new ChatView(
      root,
      history,
      enclave_connector(),
      account.id,
      () => {
        lock(account);
        show_welcome();
      },
      security_menu(store, account),
    );
    await view.start();
  };
  show_welcome();
}

void start();
