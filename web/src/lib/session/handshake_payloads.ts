// The handshake payloads of docs/protocol.md §4.2 (ClientHello, ServerHello,
// ServerReject, ClientFinish), strict in both directions.
import { ByteReader } from '../bytes/reader';
import { ByteWriter } from '../bytes/writer';
import { utf8_decode, utf8_encode } from '../bytes/encoding';
import { kMaxAuthorizationToken, kMaxReasonBytes, kMaxVersions, kNonceSize, protocol_error } from './wire';

export const PayloadType = { client_hello: 1, server_hello: 2, client_finish: 3, server_reject: 4 } as const;

export interface ClientHello {
  versions: number[];
  nonce: Uint8Array | null;
}
export interface ServerHello {
  version: number;
  evidence_bundle: Uint8Array;
}
export interface ServerReject {
  code: number;
  supported_versions: number[];
  reason: string;
}

function check_versions(versions: readonly number[], min: number, what: string): void {
  if (versions.length < min || versions.length > kMaxVersions) throw protocol_error(`${what} lists ${versions.length} versions`);
  versions.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 1 || v > 0xffff) throw protocol_error(`${what} has version ${v}`);
    if (i > 0 && v <= versions[i - 1]!) throw protocol_error(`${what} versions are not strictly increasing`);
  });
}

function read_versions(reader: ByteReader, min: number, what: string): number[] {
  const count = reader.u8(`${what} version count`);
  const versions: number[] = [];
  for (let i = 0; i < count; i++) versions.push(reader.u16be(`${what} version`));
  check_versions(versions, min, what);
  return versions;
}

function parse(bytes: Uint8Array, what: string, body: (reader: ByteReader) => void): void {
  const reader = new ByteReader(bytes);
  try {
    body(reader);
    reader.expect_end(what);
  } catch (e) {
    if (e instanceof Error && !(e instanceof TypeError)) throw protocol_error(e.message);
    throw e;
  }
}

export function encode_client_hello(hello: ClientHello): Uint8Array {
  check_versions(hello.versions, 1, 'ClientHello');
  const w = new ByteWriter().u8(PayloadType.client_hello).u8(hello.versions.length);
  for (const v of hello.versions) w.u16be(v);
  if (hello.nonce === null) return w.u8(0).finish();
  if (hello.nonce.length !== kNonceSize) throw protocol_error('the nonce must be 32 bytes');
  return w.u8(1).bytes(hello.nonce).finish();
}

export function encode_client_finish(authorization_token: Uint8Array): Uint8Array {
  if (authorization_token.length > kMaxAuthorizationToken) throw protocol_error('authorization token over 4096 bytes');
  return new ByteWriter().u8(PayloadType.client_finish).prefixed(2, authorization_token).finish();
}

export type ServerMessage = { kind: 'hello'; hello: ServerHello } | { kind: 'reject'; reject: ServerReject };

// Parses the payload of message 2: a ServerHello or a ServerReject.
export function parse_server_message(bytes: Uint8Array): ServerMessage {
  let out: ServerMessage | undefined;
  parse(bytes, 'message 2 payload', (reader) => {
    const type = reader.u8('payload type');
    if (type === PayloadType.server_hello) {
      const version = reader.u16be('ServerHello version');
      const bundle = reader.u32be_prefixed('evidence bundle').rest();
      if (bundle.length === 0) throw reader.malformed('evidence bundle', 'is empty');
      out = { kind: 'hello', hello: { version, evidence_bundle: bundle } };
    } else if (type === PayloadType.server_reject) {
      const code = reader.u16be('ServerReject code');
      const supported_versions = read_versions(reader, 0, 'ServerReject');
      const reason_bytes = reader.u16be_prefixed('ServerReject reason').rest();
      if (reason_bytes.length > kMaxReasonBytes) throw reader.malformed('ServerReject reason', 'over 1024 bytes');
      out = { kind: 'reject', reject: { code, supported_versions, reason: utf8_decode(reason_bytes, 'ServerReject reason') } };
    } else {
      throw reader.malformed('payload type', `${type} is not a ServerHello or ServerReject`);
    }
  });
  return out!;
}

// Encodes a ServerReject (used by tests and the spec examples).
export function encode_server_reject(reject: ServerReject): Uint8Array {
  check_versions(reject.supported_versions, 0, 'ServerReject');
  const w = new ByteWriter().u8(PayloadType.server_reject).u16be(reject.code).u8(reject.supported_versions.length);
  for (const v of reject.supported_versions) w.u16be(v);
  const reason = utf8_encode(reject.reason);
  if (reason.length > kMaxReasonBytes) throw protocol_error('reason over 1024 bytes');
  return w.prefixed(2, reason).finish();
}

// Parses a ClientHello (the enclave's side; used by test enclaves).
export function parse_client_hello(bytes: Uint8Array): ClientHello {
  let out: ClientHello | undefined;
  parse(bytes, 'ClientHello', (reader) => {
    const type = reader.u8('payload type');
    if (type !== PayloadType.client_hello) throw reader.malformed('payload type', `${type} is not a ClientHello`);
    const versions = read_versions(reader, 1, 'ClientHello');
    const present = reader.u8('nonce present');
    if (present > 1) throw reader.malformed('nonce present', `${present} is not 0 or 1`);
    out = { versions, nonce: present === 1 ? reader.bytes(kNonceSize, 'nonce').slice() : null };
  });
  return out!;
}

// Parses a ClientFinish and returns its authorization token.
export function parse_client_finish(bytes: Uint8Array): Uint8Array {
  let token = new Uint8Array(0);
  parse(bytes, 'ClientFinish', (reader) => {
    const type = reader.u8('payload type');
    if (type !== PayloadType.client_finish) throw reader.malformed('payload type', `${type} is not a ClientFinish`);
    token = reader.u16be_prefixed('authorization token').rest().slice();
    if (token.length > kMaxAuthorizationToken) throw reader.malformed('authorization token', 'over 4096 bytes');
  });
  return token;
}

// Encodes a ServerHello (the enclave's side; used by test enclaves).
export function encode_server_hello(hello: ServerHello): Uint8Array {
  return new ByteWriter().u8(PayloadType.server_hello).u16be(hello.version).prefixed(4, hello.evidence_bundle).finish();
}
