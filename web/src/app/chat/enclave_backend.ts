// A ChatBackend over an attested session: a WebSocket to the host's
// /v1/session relay, the Noise XX handshake, and the offer verified
// (attest_offer) before message 3, so no byte of a conversation leaves the
// page for an enclave that has not proved what it runs. Requests and answers
// follow the chat API (docs/protocol.md section 16): the body is
// {"method": "chat.completions", "params": {"stream": true, "messages": [...]}}
// and each stream-delta is {"content": "piece"}.
import { utf8_decode, utf8_encode } from '../../lib/bytes/encoding';
import { type AttestationSummary, type ClientTrust, attest_offer } from '../../lib/client/attest_offer';
import { CloisterError } from '../../lib/errors';
import type { ClientChannel } from '../../lib/session/channel';
import { Initiator } from '../../lib/session/initiator';
import type { ClientEvent } from '../../lib/session/multiplexer';
import { WireError } from '../../lib/session/wire';
import type { ChatBackend } from './backend';

// Whole binary messages from a WebSocket, in order, awaited one at a time.
class MessageQueue {
  private readonly queue: Uint8Array[] = [];
  private waiting: ((m: Uint8Array | null) => void) | null = null;
  private ended = false;

  push(message: Uint8Array | null): void {
    if (message === null) this.ended = true;
    if (this.waiting !== null) {
      const wake = this.waiting;
      this.waiting = null;
      wake(message);
    } else if (message !== null) {
      this.queue.push(message);
    }
  }

  next(): Promise<Uint8Array> {
    const ready = this.queue.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.ended) return Promise.reject(new CloisterError('unavailable', 'the connection to the enclave closed'));
    return new Promise((resolve, reject) => {
      this.waiting = (m) => (m === null ? reject(new CloisterError('unavailable', 'the connection to the enclave closed')) : resolve(m));
    });
  }
}

// Browsers cannot set headers on a WebSocket, so the host takes the bearer
// token as a subprotocol next to "cloister.v1" (docs/deployment.md).
function open_socket(url: string, queue: MessageQueue, bearer_token: string | null): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = bearer_token === null ? new WebSocket(url) : new WebSocket(url, ['cloister.v1', `cloister.bearer.${bearer_token}`]);
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event) => {
      if (event.data instanceof ArrayBuffer) queue.push(new Uint8Array(event.data));
    };
    socket.onclose = () => queue.push(null);
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new CloisterError('unavailable', `cannot reach the enclave relay at ${url}`));
  });
}

// Returns the text of a chat.completions stream-delta ({"content": "piece"}).
export function delta_content(body: Uint8Array): string {
  let value: unknown;
  try {
    value = JSON.parse(utf8_decode(body, 'stream-delta'));
  } catch {
    throw new CloisterError('malformed', 'the enclave sent a stream-delta that is not JSON');
  }
  const content = (value as { content?: unknown } | null)?.content;
  if (typeof content !== 'string') throw new CloisterError('malformed', 'the enclave sent a stream-delta without "content"');
  return content;
}

export class EnclaveBackend implements ChatBackend {
  private readonly listeners = new Map<number, (event: ClientEvent) => void>();
  private ended = false;

  private constructor(
    private readonly socket: WebSocket,
    private readonly queue: MessageQueue,
    private readonly channel: ClientChannel,
    private readonly summary: AttestationSummary,
  ) {
    void this.pump();
  }

  // Connects, verifies, and only then completes the handshake. `on_verified`
  // stores the checkpoint the verification advanced to.
  static async connect(
    url: string,
    trust: ClientTrust,
    on_verified: (summary: AttestationSummary) => void,
    bearer_token: string | null = null,
  ): Promise<EnclaveBackend> {
    const queue = new MessageQueue();
    const socket = await open_socket(url, queue, bearer_token);
    try {
      const initiator = await Initiator.create();
      socket.send(await initiator.start());
      const offer = await initiator.read_offer(await queue.next());
      const summary = await attest_offer(offer, trust);
      const { message3, channel } = await initiator.finish(offer.expected_report_data, offer);
      socket.send(message3);
      on_verified(summary);
      return new EnclaveBackend(socket, queue, channel, summary);
    } catch (e) {
      socket.close();
      throw e;
    }
  }

  attestation(): AttestationSummary {
    return this.summary;
  }

  get closed(): boolean {
    return this.ended;
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const { event, replies } = await this.channel.receive(await this.queue.next());
        for (const reply of replies) this.socket.send(reply);
        if (event === null) continue;
        if (event.kind === 'session-closed') break;
        if (event.kind !== 'pong') this.listeners.get(event.stream_id)?.(event);
      }
    } catch {
      // The session is over; streams waiting on it fail below.
    }
    this.ended = true;
    this.socket.close();
    for (const listener of this.listeners.values()) {
      listener({ kind: 'stream-error', stream_id: 0, error_code: WireError.unavailable, reason: 'the session ended' });
    }
  }

  async *stream(messages: { role: string; content: string }[], signal: AbortSignal): AsyncIterable<string> {
    const events: ClientEvent[] = [];
    let wake: (() => void) | null = null;
    const body = { method: 'chat.completions', params: { stream: true, messages } };
    const { stream_id, wires } = await this.channel.request(utf8_encode(JSON.stringify(body)));
    this.listeners.set(stream_id, (event) => {
      events.push(event);
      wake?.();
    });
    for (const wire of wires) this.socket.send(wire);
    // Stopping sends a cancel frame and ends the answer at once; whatever of
    // it is still on the way is dropped when it arrives.
    const on_abort = () => {
      void this.channel.cancel(stream_id).then((wire) => wire && this.socket.send(wire));
      wake?.();
    };
    signal.addEventListener('abort', on_abort, { once: true });
    try {
      for (;;) {
        if (signal.aborted) return;
        const event = events.shift() ?? (await new Promise<void>((resolve) => (wake = resolve)), events.shift());
        if (event === undefined) continue;
        if (event.kind === 'stream-delta' && !signal.aborted) yield delta_content(event.body);
        if (event.kind === 'response-end') return;
        if (event.kind === 'stream-error') {
          if (event.error_code === WireError.cancelled) return;
          throw new CloisterError('unavailable', `the enclave stopped: ${event.reason || `code ${event.error_code}`}`);
        }
      }
    } finally {
      signal.removeEventListener('abort', on_abort);
      this.listeners.delete(stream_id);
    }
  }
}
