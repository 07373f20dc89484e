// The examples of docs/protocol.md (§4.2, §5.1, §5.3, §7), and the rules a
// receiver must enforce.
import { describe, expect, it } from 'vitest';
import { hex_decode, hex_encode, utf8_encode } from '../bytes/encoding';
import { encode_evidence_bundle, expected_report_data, parse_evidence_bundle } from './evidence_bundle';
import { type Frame, encode_error_payload, encode_frame, parse_frame } from './frame';
import {
  encode_client_finish,
  encode_client_hello,
  encode_server_hello,
  encode_server_reject,
  parse_client_finish,
  parse_client_hello,
  parse_server_message,
} from './handshake_payloads';
import { ClientMultiplexer } from './multiplexer';

const hex = (s: string) => hex_decode(s.replace(/\s+/g, ''));

describe('handshake payloads (§4.2)', () => {
  it('encodes the spec examples', () => {
    expect(hex_encode(encode_client_hello({ versions: [1], nonce: null }))).toBe('0101000100');
    expect(hex_encode(encode_server_reject({ code: 2, supported_versions: [1], reason: 'no' }))).toBe('04000201000100026e6f');
    expect(hex_encode(encode_client_finish(utf8_encode('tok')))).toBe('030003746f6b');
  });

  it('reads back what it writes on the enclave side', () => {
    const nonce = new Uint8Array(32).fill(9);
    expect(parse_client_hello(encode_client_hello({ versions: [1, 2], nonce }))).toEqual({ versions: [1, 2], nonce });
    expect(parse_client_hello(hex('0101000100'))).toEqual({ versions: [1], nonce: null });
    expect(parse_client_finish(hex('030003746f6b'))).toEqual(utf8_encode('tok'));
    const hello = encode_server_hello({ version: 1, evidence_bundle: utf8_encode('B') });
    expect(parse_server_message(hello)).toEqual({ kind: 'hello', hello: { version: 1, evidence_bundle: utf8_encode('B') } });
    expect(() => parse_client_hello(hex('0101000102'))).toThrow(/not 0 or 1/);
  });

  it('parses a ServerReject and refuses malformed message-2 payloads', () => {
    expect(parse_server_message(hex('04000201000100026e6f'))).toEqual({
      kind: 'reject',
      reject: { code: 2, supported_versions: [1], reason: 'no' },
    });
    expect(() => parse_server_message(hex('04000202000200010000'))).toThrow(/strictly increasing/);
    expect(() => parse_server_message(hex('04000201000100026e6f00'))).toThrow(/trailing/);
    expect(() => parse_server_message(hex('0200010000000000'))).toThrow(/evidence bundle at offset 7: is empty/);
    expect(() => parse_server_message(hex('09'))).toThrow(/9 is not a ServerHello/);
    expect(() => parse_server_message(hex('04000201000100 02c080'))).toThrow(/not valid UTF-8/);
    expect(() => encode_client_hello({ versions: [], nonce: null })).toThrow(/0 versions/);
  });
});

describe('evidence bundle and REPORT_DATA (§5)', () => {
  const example = hex('01 02 00000001 51 00000000 00000001 47 00000002 7b7d' + 'ee'.repeat(32) + '01 00000001 50');

  it('reads the spec example field by field and writes it back', () => {
    const bundle = parse_evidence_bundle(example);
    expect(bundle.platform).toBe('tdx');
    expect(new TextDecoder().decode(bundle.report)).toBe('Q');
    expect(bundle.collateral.length).toBe(0);
    expect(new TextDecoder().decode(bundle.gpu_evidence)).toBe('G');
    expect(new TextDecoder().decode(bundle.manifest)).toBe('{}');
    expect(bundle.receipt_public_key).toEqual(new Uint8Array(32).fill(0xee));
    expect(bundle.tlog_proof_format).toBe(1);
    expect(encode_evidence_bundle(bundle)).toEqual(example);
  });

  it('refuses a bundle that breaks a rule', () => {
    const trailing = new Uint8Array([...example, 0]);
    expect(() => parse_evidence_bundle(trailing)).toThrow(/trailing/);
    const platform = example.slice();
    platform[1] = 4;
    expect(() => parse_evidence_bundle(platform)).toThrow(/unknown code 4/);
    const no_proof_format = example.slice();
    no_proof_format[example.length - 6] = 0;
    expect(() => parse_evidence_bundle(no_proof_format)).toThrow(/empty exactly when its format is 0/);
  });

  it('computes the spec REPORT_DATA examples', async () => {
    const manifest = utf8_encode('{"version":"1.0.0"}');
    const args = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), manifest] as const;
    expect(hex_encode(await expected_report_data(...args, new Uint8Array(32).fill(3)))).toBe(
      'ae253bffc31e48b12ab00a597b004904b6d271e1338b21a1b505162fe08b01ca5197d2699f041fa1124b9d7c4fe1584b657fe0e365a252f586f2c1f23e63959a',
    );
    expect(hex_encode(await expected_report_data(...args, null))).toBe(
      '9a142a22bef60aa6902dfb7f6e841d247a25cbced3fa492ce772de9415fc415ff6370c08ad917c62ee5ad661993a633fc24866ce594ae6f67c6e187c960b84e7',
    );
  });
});

describe('frames (§7)', () => {
  it('encodes the spec examples', () => {
    const delta: Frame = { type: 'stream-delta', fin: false, stream_id: 7, chunk_index: 2, payload: utf8_encode('hi') };
    expect(hex_encode(encode_frame(delta))).toBe('03000000000700000002' + '00026869');
    const ping: Frame = { type: 'ping', fin: true, stream_id: 0, chunk_index: 0, payload: new Uint8Array(8).fill(0x11) };
    expect(hex_encode(encode_frame(ping))).toBe('0701000000000000000000081111111111111111');
    expect(hex_encode(encode_error_payload({ code: 0x0105, reason: 'bad' }))).toBe('0105626164');
  });

  it.each([
    ['an unknown type', '09010000000000000000' + '0000', /unknown type 9/],
    ['reserved flag bits', '03020000000700000000' + '0000', /reserved bits/],
    ['a chunked type on stream 0', '03010000000000000000' + '0000', /stream-delta on stream 0/],
    ['an empty chunk without FIN', '03000000000700000000' + '0000', /without FIN is empty/],
    ['a chunked ping', '07000000000000000000' + '00081111111111111111', /single frame/],
    ['a short ping', '07010000000000000000' + '0001' + '11', /8 bytes/],
    ['a cancel with payload', '06010000000200000000' + '000111', /no payload/],
    ['trailing bytes', '03010000000700000000' + '000168' + '69', /trailing/],
    ['a length past the end', '03010000000700000000' + '000568', /needs 5 bytes/],
  ])('refuses %s', (_name, frame, reason) => {
    expect(() => parse_frame(hex(frame))).toThrow(reason);
  });
});

describe('client streams (§8, §9)', () => {
  const frame = (type: Frame['type'], stream_id: number, chunk_index: number, fin: boolean, body = 'x'): Frame => ({
    type,
    fin,
    stream_id,
    chunk_index,
    payload: utf8_encode(body),
  });

  it('chunks requests, numbers streams upwards and reassembles responses', () => {
    const mux = new ClientMultiplexer(4);
    const first = mux.request(utf8_encode('abcdefghij'));
    expect(first.stream_id).toBe(1);
    expect(first.frames.map((f) => [f.chunk_index, f.fin, f.payload.length])).toEqual([
      [0, false, 4],
      [1, false, 4],
      [2, true, 2],
    ]);
    expect(mux.request(new Uint8Array(0)).frames).toEqual([{ type: 'request', fin: true, stream_id: 2, chunk_index: 0, payload: new Uint8Array(0) }]);
    expect(mux.receive(frame('response-start', 1, 0, false, 'he')).event).toBeNull();
    expect(mux.receive(frame('response-start', 1, 1, true, 'llo')).event).toEqual({ kind: 'response-start', stream_id: 1, body: utf8_encode('hello') });
    expect(mux.receive(frame('response-end', 1, 0, true, 'end')).event?.kind).toBe('response-end');
    expect(mux.open_streams).toBe(1);
  });

  it('ends the session on frames out of order', () => {
    const mux = new ClientMultiplexer();
    mux.request(utf8_encode('q'));
    expect(() => new ClientMultiplexer().receive(frame('stream-delta', 1, 0, true))).toThrow(/not open/);
    expect(() => mux.receive(frame('stream-delta', 1, 0, true))).toThrow(/stream-delta on stream 1 while awaiting-start/);
    mux.receive(frame('response-start', 1, 0, false));
    expect(() => mux.receive(frame('response-start', 1, 2, true))).toThrow(/chunk 2 of a response-start arrived where chunk 1/);
    expect(() => mux.receive(frame('request', 1, 0, true))).toThrow(/enclave sent a request/);
  });

  it('discards a cancelled stream until its terminal frame, which it reports', () => {
    const mux = new ClientMultiplexer();
    const { stream_id } = mux.request(utf8_encode('q'));
    expect(mux.cancel(stream_id)?.type).toBe('cancel');
    expect(mux.cancel(stream_id)).toBeNull();
    expect(mux.receive(frame('response-start', stream_id, 0, true)).event).toBeNull();
    const error: Frame = { type: 'error', fin: true, stream_id, chunk_index: 0, payload: encode_error_payload({ code: 5, reason: 'cancelled' }) };
    expect(mux.receive(error).event).toEqual({ kind: 'stream-error', stream_id, error_code: 5, reason: 'cancelled' });
    expect(mux.open_streams).toBe(0);
  });

  it('answers pings, checks pongs and bounds the unanswered ones', () => {
    const mux = new ClientMultiplexer();
    const ping = { type: 'ping', fin: true, stream_id: 0, chunk_index: 0, payload: new Uint8Array(8).fill(1) } as const;
    expect(mux.receive(ping).replies).toEqual([{ ...ping, type: 'pong' }]);
    for (let i = 0; i < 4; i++) mux.ping(new Uint8Array(8).fill(i));
    expect(() => mux.ping(new Uint8Array(8))).toThrow(/4 pings/);
    expect(() => mux.receive({ ...ping, type: 'pong', payload: new Uint8Array(8).fill(3) })).toThrow(/oldest ping/);
  });

  it('refuses a 65th open stream and a message over its chunk limit', () => {
    const mux = new ClientMultiplexer(1);
    for (let i = 0; i < 64; i++) mux.request(new Uint8Array(1));
    expect(() => mux.request(new Uint8Array(1))).toThrow(/64 streams/);
    expect(() => new ClientMultiplexer(1).request(new Uint8Array(1025))).toThrow(/1025 chunks/);
  });
});
