// The Noise XX handshake (rev. 34, sections 5.3 and 7.5) for
// Noise_XX_25519_AESGCM_SHA256, as a small state machine with its states
// named. Cloister's client is the initiator; the responder role exists so the
// cacophony vectors can be replayed from both sides.
//   -> e
//   <- e, ee, s, es
//   -> s, se
import { ByteReader } from '../bytes/reader';
import { ByteWriter } from '../bytes/writer';
import { CloisterError } from '../errors';
import type { CipherState } from './cipher_state';
import { SymmetricState } from './symmetric_state';
import { type X25519KeyPair, kX25519KeySize, x25519_generate, x25519_key_pair } from './x25519';

export const kProtocolName = 'Noise_XX_25519_AESGCM_SHA256';
export const kMaxNoiseMessage = 65535;
const kTagSize = 16;

type Token = 'e' | 's' | 'ee' | 'es' | 'se';
const kPattern: readonly (readonly Token[])[] = [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']];

export type Role = 'initiator' | 'responder';
export type HandshakeStep = 'message1' | 'message2' | 'message3' | 'done';
const kSteps: HandshakeStep[] = ['message1', 'message2', 'message3', 'done'];

export interface TransportCiphers {
  send: CipherState;
  receive: CipherState;
  handshake_hash: Uint8Array; // channel binding
  remote_static: Uint8Array; // the peer's static public key
}

export interface HandshakeOptions {
  role: Role;
  static_key: Uint8Array; // our static private key
  prologue?: Uint8Array;
  ephemeral_key?: Uint8Array; // fixed only for test vectors
}

export class HandshakeState {
  private step = 0;
  private e: X25519KeyPair | null = null;
  private re: Uint8Array | null = null;
  private rs: Uint8Array | null = null;
  private transport: TransportCiphers | null = null;

  private constructor(
    readonly role: Role,
    private readonly symmetric: SymmetricState,
    private readonly s: X25519KeyPair,
    private readonly fixed_ephemeral: Uint8Array | undefined,
  ) {}

  static async create(options: HandshakeOptions): Promise<HandshakeState> {
    const symmetric = await SymmetricState.create(kProtocolName);
    await symmetric.mix_hash(options.prologue ?? new Uint8Array(0));
    const s = await x25519_key_pair(options.static_key);
    return new HandshakeState(options.role, symmetric, s, options.ephemeral_key);
  }

  // The message the handshake expects next, or 'done'.
  get next(): HandshakeStep {
    return kSteps[this.step]!;
  }

  // True if the next message is ours to write.
  get writes_next(): boolean {
    return this.step < kPattern.length && (this.step % 2 === 0) === (this.role === 'initiator');
  }

  // The transport ciphers, once the handshake is done.
  get result(): TransportCiphers {
    if (this.transport === null) throw new CloisterError('invalid_argument', 'the Noise handshake is not finished');
    return this.transport;
  }

  // The peer's static public key, once a message carrying it has been read.
  result_remote_static(): Uint8Array {
    if (this.rs === null) throw new CloisterError('invalid_argument', 'the peer static key is not known yet');
    return this.rs.slice();
  }

  private async dh(token: 'ee' | 'es' | 'se'): Promise<Uint8Array> {
    const local_e = token === 'ee' || (token === 'es') === (this.role === 'initiator');
    const remote_e = token === 'ee' || (token === 'se') === (this.role === 'initiator');
    const local = local_e ? this.e : this.s;
    const remote = remote_e ? this.re : this.rs;
    if (local === null || remote === null) throw new Error(`Noise ${token} without keys`);
    return local.dh(remote);
  }

  // Writes the next handshake message carrying `payload`.
  async write_message(payload: Uint8Array): Promise<Uint8Array> {
    if (!this.writes_next) throw new CloisterError('invalid_argument', `Noise ${this.role} cannot write ${this.next} now`);
    const out = new ByteWriter();
    for (const token of kPattern[this.step]!) {
      if (token === 'e') {
        this.e = this.fixed_ephemeral ? await x25519_key_pair(this.fixed_ephemeral) : await x25519_generate();
        out.bytes(this.e.public_key);
        await this.symmetric.mix_hash(this.e.public_key);
      } else if (token === 's') {
        out.bytes(await this.symmetric.encrypt_and_hash(this.s.public_key));
      } else {
        await this.symmetric.mix_key(await this.dh(token));
      }
    }
    out.bytes(await this.symmetric.encrypt_and_hash(payload));
    if (out.size > kMaxNoiseMessage) throw new CloisterError('invalid_argument', 'Noise message over 65535 bytes');
    await this.advance();
    return out.finish();
  }

  // Reads the next handshake message and returns its payload. Throws
  // malformed on a short message and rejected when decryption fails.
  async read_message(message: Uint8Array): Promise<Uint8Array> {
    if (this.step >= kPattern.length || this.writes_next) {
      throw new CloisterError('invalid_argument', `Noise ${this.role} cannot read ${this.next} now`);
    }
    if (message.length > kMaxNoiseMessage) throw new CloisterError('malformed', 'Noise message over 65535 bytes');
    const reader = new ByteReader(message);
    for (const token of kPattern[this.step]!) {
      if (token === 'e') {
        this.re = reader.bytes(kX25519KeySize, 'Noise ephemeral key').slice();
        await this.symmetric.mix_hash(this.re);
      } else if (token === 's') {
        const size = kX25519KeySize + (this.symmetric.cipher.has_key() ? kTagSize : 0);
        this.rs = await this.decrypt(reader.bytes(size, 'Noise static key'), 'static key');
      } else {
        await this.symmetric.mix_key(await this.dh(token));
      }
    }
    const payload = await this.decrypt(reader.rest(), 'payload');
    await this.advance();
    return payload;
  }

  private async decrypt(ciphertext: Uint8Array, what: string): Promise<Uint8Array> {
    try {
      return await this.symmetric.decrypt_and_hash(ciphertext);
    } catch {
      throw new CloisterError('rejected', `Noise ${this.next}: the ${what} does not decrypt`);
    }
  }

  private async advance(): Promise<void> {
    this.step++;
    if (this.step < kPattern.length) return;
    const [initiator_to_responder, responder_to_initiator] = await this.symmetric.split();
    const initiator = this.role === 'initiator';
    this.transport = {
      send: initiator ? initiator_to_responder : responder_to_initiator,
      receive: initiator ? responder_to_initiator : initiator_to_responder,
      handshake_hash: this.symmetric.handshake_hash,
      remote_static: this.rs!,
    };
  }
}
