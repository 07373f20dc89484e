// The client's handshake driver (docs/protocol.md §4.3), sans I/O: message 1
// with the versions and a nonce; message 2 read into the evidence bundle and
// the REPORT_DATA the evidence must carry; message 3 only after the caller has
// verified the evidence. Nothing is sent to an unverified enclave.
import { bytes_equal, utf8_encode } from '../bytes/encoding';
import { random_bytes } from '../crypto/webcrypto';
import { HandshakeState } from '../noise/handshake_state';
import { ClientChannel, type ChannelOptions } from './channel';
import { type EvidenceBundle, expected_report_data, parse_evidence_bundle } from './evidence_bundle';
import { encode_client_finish, encode_client_hello, parse_server_message } from './handshake_payloads';
import { SessionError, WireError, kHandshakeDeadlineMs, kPrologue, kProtocolVersion, protocol_error } from './wire';

export interface InitiatorOptions {
  versions?: number[];
  nonce?: Uint8Array | null; // default: a fresh random nonce
  authorization_token?: Uint8Array;
  static_key?: Uint8Array; // default: fresh per session, so sessions are unlinkable
  ephemeral_key?: Uint8Array; // fixed only for test vectors
  now?: () => number; // milliseconds; injectable for tests
  channel?: ChannelOptions;
}

// What message 2 offers, for the caller to verify before finishing.
export interface EnclaveOffer {
  version: number;
  bundle: EvidenceBundle;
  enclave_static_public: Uint8Array;
  expected_report_data: Uint8Array; // the evidence must carry exactly this
}

export class Initiator {
  private state: 'start' | 'sent-1' | 'read-2' | 'done' = 'start';
  private started_at = 0;

  private constructor(
    private readonly handshake: HandshakeState,
    private readonly versions: number[],
    private readonly nonce: Uint8Array | null,
    private readonly token: Uint8Array,
    private readonly now: () => number,
    private readonly channel_options: ChannelOptions,
  ) {}

  static async create(options: InitiatorOptions = {}): Promise<Initiator> {
    const handshake = await HandshakeState.create({
      role: 'initiator',
      static_key: options.static_key ?? random_bytes(32),
      prologue: utf8_encode(kPrologue),
      ...(options.ephemeral_key ? { ephemeral_key: options.ephemeral_key } : {}),
    });
    return new Initiator(
      handshake,
      options.versions ?? [kProtocolVersion],
      options.nonce === undefined ? random_bytes(32) : options.nonce,
      options.authorization_token ?? new Uint8Array(0),
      options.now ?? (() => Date.now()),
      options.channel ?? {},
    );
  }

  private check_deadline(): void {
    if (this.now() - this.started_at > kHandshakeDeadlineMs) {
      throw new SessionError(WireError.timeout, 'the handshake took longer than 30 seconds');
    }
  }

  // Returns message 1.
  async start(): Promise<Uint8Array> {
    if (this.state !== 'start') throw protocol_error('message 1 was already sent');
    this.started_at = this.now();
    this.state = 'sent-1';
    return this.handshake.write_message(encode_client_hello({ versions: this.versions, nonce: this.nonce }));
  }

  // Reads message 2. Throws SessionError with the enclave's code if it
  // refused, or protocol_error if message 2 is malformed or does not decrypt.
  async read_offer(message2: Uint8Array): Promise<EnclaveOffer> {
    if (this.state !== 'sent-1') throw protocol_error('message 2 is not expected now');
    this.check_deadline();
    let payload: Uint8Array;
    try {
      payload = await this.handshake.read_message(message2);
    } catch (e) {
      throw protocol_error(`message 2: ${(e as Error).message}`);
    }
    const server = parse_server_message(payload);
    if (server.kind === 'reject') {
      const { code, reason, supported_versions } = server.reject;
      throw new SessionError(code, `the enclave refused (code ${code}, supports [${supported_versions.join(', ')}]): ${reason}`);
    }
    const { version, evidence_bundle } = server.hello;
    if (!this.versions.includes(version)) throw protocol_error(`the enclave chose version ${version}, which was not offered`);
    const bundle = parse_evidence_bundle(evidence_bundle);
    const enclave_static_public = this.handshake.result_remote_static();
    this.state = 'read-2';
    return {
      version,
      bundle,
      enclave_static_public,
      expected_report_data: await expected_report_data(enclave_static_public, bundle.receipt_public_key, bundle.manifest, this.nonce),
    };
  }

  // Returns message 3 and the transport channel. Call only once the offer's
  // evidence has been verified, including its REPORT_DATA.
  async finish(verified_report_data: Uint8Array, offer: EnclaveOffer): Promise<{ message3: Uint8Array; channel: ClientChannel }> {
    if (this.state !== 'read-2') throw protocol_error('message 3 is not due');
    if (!bytes_equal(verified_report_data, offer.expected_report_data)) {
      throw protocol_error('the verified REPORT_DATA is not the one this handshake expects');
    }
    this.check_deadline();
    const message3 = await this.handshake.write_message(encode_client_finish(this.token));
    this.state = 'done';
    return { message3, channel: new ClientChannel(this.handshake.result, this.channel_options) };
  }
}
