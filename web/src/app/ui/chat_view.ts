// The chat screen: the conversation list, the selected conversation (title,
// folder, system prompt, messages, composer with send and stop), and the
// attestation panel. Every change is sealed and stored at once; answers
// stream in as Markdown rendered to DOM nodes.
import type { AttestationSummary } from '../../lib/client/attest_offer';
import { is_error } from '../../lib/errors';
import type { BackendConnector, ChatBackend } from '../chat/backend';
import { type Conversation, new_conversation, request_messages, title_from } from '../chat/conversation';
import type { History } from '../chat/history';
import { attestation_panel } from './attestation_panel';
import { h, replace_children } from './dom';
import { render_markdown } from './render_markdown';
import { sidebar } from './sidebar';

function message_of(e: unknown): string {
  return is_error(e) || e instanceof Error ? e.message : String(e);
}

export class ChatView {
  private conversations: Conversation[] = [];
  private selected: string | null = null;
  private backend: ChatBackend | null = null;
  private generation: AbortController | null = null;
  private status = '';
  private confirm_delete = false;
  // What is typed in each conversation's composer and not sent yet: kept
  // across re-renders (a save or sync finishing re-renders the view).
  private readonly drafts = new Map<string, string>();
  private readonly nav_slot = h('div', { class: 'nav-slot' });
  private readonly main_slot = h('main', { class: 'conversation-pane' });
  private readonly panel_slot = h('div', { class: 'panel-slot' });

  constructor(
    private readonly root: Element,
    private readonly history: History,
    private readonly connect: BackendConnector,
    private readonly account_id: string,
    private readonly on_lock: () => void,
    private readonly security: HTMLElement | null = null,
  ) {}

  async start(): Promise<void> {
    const { conversations, unreadable } = await this.history.load_all();
    this.conversations = conversations;
    if (unreadable.length > 0) this.status = `${unreadable.length} stored item(s) did not decrypt and were skipped (altered, or not this account's).`;
    this.selected = conversations[0]?.id ?? null;
    const lock = h('button', { type: 'button', class: 'secondary', onclick: this.on_lock }, 'Lock');
    const header = h('header', { class: 'topbar' },
      h('strong', {}, 'Cloister'),
      h('span', { class: 'account', title: 'Account id' }, h('code', { 'data-testid': 'account-id' }, this.account_id)),
      lock);
    replace_children(this.root, h('div', { class: 'chat' }, header, h('div', { class: 'columns' }, this.nav_slot, this.main_slot, h('div', { class: 'side' }, this.panel_slot, this.security))));
    this.render();
  }

  private current(): Conversation | null {
    return this.conversations.find((c) => c.id === this.selected) ?? null;
  }

  // Stores `conversation`; a version written elsewhere meanwhile is merged
  // into it in place, or, if both changed the same thing, shown instead of it
  // while this side's version joins the list as a conflicting copy.
  private async save(conversation: Conversation): Promise<void> {
    conversation.updated = Date.now();
    try {
      const outcome = await this.history.save(conversation);
      if (outcome.conversation !== conversation) Object.assign(conversation, outcome.conversation);
      if (outcome.copy !== null) this.conversations.unshift(outcome.copy);
      if (outcome.note !== '') {
        this.status = outcome.note;
        this.render();
      }
    } catch (e) {
      this.status = message_of(e);
      this.render();
    }
  }

  private render(): void {
    const typing = document.activeElement?.matches('textarea.composer') ?? false;
    replace_children(this.nav_slot, sidebar(this.conversations, this.selected, () => void this.create(), (id) => this.select(id)));
    replace_children(this.panel_slot, attestation_panel(this.backend?.attestation() ?? null, 'The first message connects to an enclave and verifies it.'));
    replace_children(this.main_slot, this.render_conversation());
    if (typing) this.focus_composer();
  }

  private focus_composer(): void {
    (this.main_slot.querySelector('textarea.composer') as HTMLTextAreaElement | null)?.focus();
  }

  private select(id: string): void {
    this.selected = id;
    this.confirm_delete = false;
    this.render();
  }

  private async create(): Promise<void> {
    const conversation = new_conversation();
    this.conversations.unshift(conversation);
    this.selected = conversation.id;
    // Shown at once, so that what the user types goes into it while it is stored.
    this.render();
    this.focus_composer();
    await this.save(conversation);
  }

  private async remove(conversation: Conversation): Promise<void> {
    try {
      await this.history.remove(conversation.id);
      this.conversations = this.conversations.filter((c) => c.id !== conversation.id);
      this.selected = this.conversations[0]?.id ?? null;
    } catch (e) {
      this.status = message_of(e);
    }
    this.confirm_delete = false;
    this.render();
  }

  private render_conversation(): Node {
    const status = h('p', { class: 'status', role: 'status', 'data-testid': 'chat-status' }, this.status);
    const conversation = this.current();
    if (conversation === null) return h('div', { class: 'empty' }, h('p', {}, 'No conversation yet.'), status);
    const field = (label: string, value: string, testid: string, apply: (v: string) => void) =>
      h('input', {
        type: 'text',
        value,
        'aria-label': label,
        placeholder: label,
        'data-testid': testid,
        onchange: (e: Event) => {
          apply((e.target as HTMLInputElement).value.trim());
          void this.save(conversation).then(() => this.render());
        },
      });
    const title = field('Title', conversation.title, 'title', (v) => (conversation.title = v || 'Untitled'));
    const folder = field('Folder', conversation.folder, 'folder-input', (v) => (conversation.folder = v));
    const del = h('button', {
      type: 'button',
      class: 'danger',
      'data-testid': 'delete',
      onclick: () => {
        if (this.confirm_delete) void this.remove(conversation);
        else {
          this.confirm_delete = true;
          this.render();
        }
      },
    }, this.confirm_delete ? 'Confirm delete' : 'Delete');
    const system = h('textarea', {
      'aria-label': 'System prompt',
      'data-testid': 'system-prompt',
      rows: '3',
      onchange: (e: Event) => {
        conversation.system_prompt = (e.target as HTMLTextAreaElement).value;
        void this.save(conversation);
      },
    }, conversation.system_prompt);
    const messages = h('ol', { class: 'messages', 'aria-live': 'polite', 'data-testid': 'messages' },
      ...conversation.messages.map((m) =>
        h('li', { class: `message ${m.role}` }, m.role === 'assistant' ? render_markdown(m.content) : h('p', {}, m.content))));
    const input = h('textarea', { class: 'composer', rows: '3', 'aria-label': 'Message', placeholder: 'Write a message (Enter sends, Shift+Enter for a new line)', 'data-testid': 'composer' });
    const send = h('button', { type: 'submit', 'data-testid': 'send', disabled: this.generation !== null }, 'Send');
    const stop = h('button', { type: 'button', class: 'danger', 'data-testid': 'stop', hidden: this.generation === null, onclick: () => this.generation?.abort() }, 'Stop');
    input.value = this.drafts.get(conversation.id) ?? '';
    input.addEventListener('input', () => this.drafts.set(conversation.id, input.value));
    const form = h('form', { class: 'composer-row' }, input, send, stop);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.send(conversation, input.value);
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    return h('div', { class: 'conversation' },
      h('div', { class: 'conversation-header' }, title, folder, del),
      h('details', {}, h('summary', {}, 'System prompt'), system),
      messages,
      status,
      form);
  }

  private async ensure_backend(): Promise<ChatBackend> {
    if (this.backend === null || this.backend.closed) this.backend = await this.connect();
    return this.backend;
  }

  private async send(conversation: Conversation, text: string): Promise<void> {
    if (text.trim() === '' || this.generation !== null) return;
    this.drafts.delete(conversation.id);
    if (conversation.messages.length === 0 && conversation.title === 'New conversation') conversation.title = title_from(text);
    conversation.messages.push({ role: 'user', content: text });
    this.status = 'Verifying the enclave…';
    await this.save(conversation);
    this.render();
    let backend: ChatBackend;
    try {
      backend = await this.ensure_backend();
    } catch (e) {
      this.status = `Not sent: ${message_of(e)}`;
      this.render();
      return;
    }
    const answer = { role: 'assistant' as const, content: '' };
    conversation.messages.push(answer);
    this.generation = new AbortController();
    this.status = 'Answering…';
    this.render();
    const bubble = this.main_slot.querySelector('.messages li:last-child');
    try {
      for await (const delta of backend.stream(request_messages({ ...conversation, messages: conversation.messages.slice(0, -1) }), this.generation.signal)) {
        answer.content += delta;
        if (bubble !== null) replace_children(bubble, render_markdown(answer.content));
      }
      this.status = this.generation.signal.aborted ? 'Stopped.' : '';
    } catch (e) {
      this.status = message_of(e);
    }
    this.generation = null;
    await this.save(conversation);
    this.render();
  }

  // The attestation summary of the connected enclave, if any.
  attestation(): AttestationSummary | null {
    return this.backend?.attestation() ?? null;
  }
}
