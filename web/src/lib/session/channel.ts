// The client's transport phase (docs/protocol.md §6): one frame per Noise
// transport message, strictly in order, rekeyed every `rekey_interval`
// messages per direction, with the multiplexer on top.
import type { CipherState } from '../noise/cipher_state';
import type { TransportCiphers } from '../noise/handshake_state';
import { type Frame, encode_frame, parse_frame } from './frame';
import { type ClientEvent, ClientMultiplexer } from './multiplexer';
import { kDefaultRekeyInterval, kMaxFramePayload, protocol_error, too_large } from './wire';

const kEmpty = new Uint8Array(0);
const kMaxNoiseMessage = 65535;

export interface ChannelOptions {
  rekey_interval?: number;
  chunk_size?: number;
}

export class ClientChannel {
  readonly mux: ClientMultiplexer;
  private readonly rekey_interval: bigint;
  private closed = false;

  constructor(
    private readonly ciphers: TransportCiphers,
    options: ChannelOptions = {},
  ) {
    this.rekey_interval = BigInt(options.rekey_interval ?? kDefaultRekeyInterval);
    this.mux = new ClientMultiplexer(options.chunk_size ?? kMaxFramePayload);
  }

  get handshake_hash(): Uint8Array {
    return this.ciphers.handshake_hash;
  }

  private async after(cipher: CipherState): Promise<void> {
    if (cipher.nonce % this.rekey_interval === 0n) await cipher.rekey();
  }

  // Encrypts one frame into a Noise transport message.
  async seal(frame: Frame): Promise<Uint8Array> {
    if (this.closed) throw protocol_error('the session is closed');
    const wire = await this.ciphers.send.encrypt_with_ad(kEmpty, encode_frame(frame));
    await this.after(this.ciphers.send);
    return wire;
  }

  // Decrypts one Noise transport message into a frame; any failure ends the session.
  async open(wire: Uint8Array): Promise<Frame> {
    if (this.closed) throw protocol_error('the session is closed');
    if (wire.length > kMaxNoiseMessage) throw too_large(`a Noise message of ${wire.length} bytes`);
    let plaintext: Uint8Array;
    try {
      plaintext = await this.ciphers.receive.decrypt_with_ad(kEmpty, wire);
    } catch {
      this.closed = true;
      throw protocol_error('a transport message does not decrypt (tampered, replayed or reordered)');
    }
    await this.after(this.ciphers.receive);
    return parse_frame(plaintext);
  }

  // Sends a request on a new stream.
  async request(body: Uint8Array): Promise<{ stream_id: number; wires: Uint8Array[] }> {
    const { stream_id, frames } = this.mux.request(body);
    const wires: Uint8Array[] = [];
    for (const frame of frames) wires.push(await this.seal(frame));
    return { stream_id, wires };
  }

  async cancel(stream_id: number): Promise<Uint8Array | null> {
    const frame = this.mux.cancel(stream_id);
    return frame === null ? null : this.seal(frame);
  }

  async ping(payload: Uint8Array): Promise<Uint8Array> {
    return this.seal(this.mux.ping(payload));
  }

  // Ends the session with a session error (code 0 for a normal close).
  async close(code: number, reason: string): Promise<Uint8Array> {
    const wire = await this.seal(this.mux.close(code, reason));
    this.closed = true;
    return wire;
  }

  // Takes one message from the enclave: the event it completes (if any) and
  // the messages to send back at once (pongs).
  async receive(wire: Uint8Array): Promise<{ event: ClientEvent | null; replies: Uint8Array[] }> {
    const frame = await this.open(wire);
    const { event, replies } = this.mux.receive(frame);
    if (event?.kind === 'session-closed') this.closed = true;
    const wires: Uint8Array[] = [];
    for (const reply of replies) wires.push(await this.seal(reply));
    return { event, replies: wires };
  }
}
