// A stand-in for cloister-enclave behind the host's /v1/session relay, for
// the browser tests until the real enclave exists: the responder side of
// docs/protocol.md built on the web app's own Noise and session codecs,
// offering SIMULATED evidence (web/fixtures/simulated, a report signed per
// session so REPORT_DATA binds this responder's key and the client's nonce)
// and the release proof of web/fixtures/tlog. It streams a Markdown answer
// word by word, honours cancel, and records every byte the relay carried, so
// tests can check that no prompt crosses it in the clear.
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { concat } from '../src/lib/bytes/writer';
import { utf8_decode, utf8_encode } from '../src/lib/bytes/encoding';
import { HandshakeState } from '../src/lib/noise/handshake_state';
import { x25519_key_pair } from '../src/lib/noise/x25519';
import { encode_evidence_bundle, expected_report_data } from '../src/lib/session/evidence_bundle';
import { type Frame, encode_error_payload, encode_frame, parse_frame } from '../src/lib/session/frame';
import { encode_server_hello, parse_client_finish, parse_client_hello } from '../src/lib/session/handshake_payloads';
import { parse_release_proof } from '../src/lib/tlog/release_proof';

const kFixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const kEmpty = new Uint8Array(0);

export interface StandInOptions {
  tamper_report?: boolean; // flip a signed byte of the report after signing
  word_delay_ms?: number;
}

export interface StandInEnclave {
  relayed: Uint8Array[]; // every WebSocket message, both ways, as the host saw it
  finished_handshakes: number; // message 3 received
  requests: string[]; // decrypted request bodies (what the enclave saw)
  cancels: number;
  drop_connections(): void; // as a restarting enclave would
  close(): Promise<void>;
}

function signed_report(report_data: Uint8Array, tamper: boolean): Uint8Array {
  const report = new Uint8Array(readFileSync(kFixtures + 'simulated/report.bin'));
  report.set(report_data, 0x50);
  const key = createPrivateKey(readFileSync(kFixtures + 'simulated/vcek-key.pem'));
  const rs = new Uint8Array(sign('sha384', report.subarray(0, 0x2a0), { key, dsaEncoding: 'ieee-p1363' }));
  report.fill(0, 0x2a0, 0x2a0 + 144);
  report.set(rs.subarray(0, 48).reverse(), 0x2a0);
  report.set(rs.subarray(48, 96).reverse(), 0x2a0 + 72);
  if (tamper) report[0x90]! ^= 1; // MEASUREMENT, after signing
  return report;
}

function answer_for(prompt: string): string[] {
  const text = `**Stand-in enclave** here. You asked:\n\n> ${prompt.replace(/\n/g, ' ')}\n\nA list:\n\n- first *point*\n- second \`point\`\n\nThe end of a long answer ${'and more words '.repeat(30)}done.`;
  return text.split(/(?<= )/);
}

// Serves the stand-in enclave at ws://<server>/v1/session.
export function attach_stand_in_enclave(server: Server, options: StandInOptions = {}): StandInEnclave {
  const wss = new WebSocketServer({ server, path: '/v1/session', maxPayload: 65535 });
  const state: StandInEnclave = {
    relayed: [],
    finished_handshakes: 0,
    requests: [],
    cancels: 0,
    drop_connections: () => wss.clients.forEach((client) => client.terminate()),
    close: async () => undefined,
  };
  wss.on('connection', (socket) => void serve(socket, state, options));
  state.close = () => new Promise((resolve) => {
    for (const client of wss.clients) client.terminate();
    wss.close(() => resolve());
  });
  return state;
}

async function serve(socket: WebSocket, state: StandInEnclave, options: StandInOptions): Promise<void> {
  const inbox: Uint8Array[] = [];
  let wake: (() => void) | null = null;
  let closed = false;
  socket.on('message', (data: Buffer) => {
    const bytes = new Uint8Array(data);
    state.relayed.push(bytes);
    inbox.push(bytes);
    wake?.();
  });
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  const next = async (): Promise<Uint8Array | null> => {
    while (inbox.length === 0 && !closed) await new Promise<void>((resolve) => (wake = resolve));
    return inbox.shift() ?? null;
  };
  const send = (bytes: Uint8Array) => {
    state.relayed.push(bytes);
    socket.send(bytes);
  };

  const static_key = new Uint8Array(randomBytes(32));
  const static_public = (await x25519_key_pair(static_key)).public_key;
  const handshake = await HandshakeState.create({ role: 'responder', static_key, prologue: utf8_encode('cloister/session') });
  const message1 = await next();
  if (message1 === null) return;
  const hello = parse_client_hello(await handshake.read_message(message1));
  const proof = new Uint8Array(readFileSync(kFixtures + 'tlog/release-b.proof'));
  const manifest = parse_release_proof(proof).manifest;
  const receipt_key = new Uint8Array(randomBytes(32));
  const report_data = await expected_report_data(static_public, receipt_key, manifest, hello.nonce);
  const bundle = encode_evidence_bundle({
    platform: 'simulated-sev-snp',
    report: signed_report(report_data, options.tamper_report === true),
    collateral: new Uint8Array(readFileSync(kFixtures + 'simulated/chain.pem')),
    gpu_evidence: kEmpty,
    manifest,
    receipt_public_key: receipt_key,
    tlog_proof_format: 1,
    tlog_proof: proof,
  });
  send(await handshake.write_message(encode_server_hello({ version: 1, evidence_bundle: bundle })));
  const message3 = await next();
  if (message3 === null) return;
  parse_client_finish(await handshake.read_message(message3));
  state.finished_handshakes++;
  const { send: out, receive: input } = handshake.result;
  const send_frame = async (frame: Frame) => send(await out.encrypt_with_ad(kEmpty, encode_frame(frame)));
  const single = (type: Frame['type'], stream_id: number, payload: Uint8Array): Frame => ({ type, fin: true, stream_id, chunk_index: 0, payload });
  const partial = new Map<number, Uint8Array[]>();
  const cancelled = new Set<number>();

  const answer = async (stream_id: number, body: string) => {
    const request = JSON.parse(body) as { messages: { role: string; content: string }[] };
    const prompt = request.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
    await send_frame(single('response-start', stream_id, utf8_encode('{"model":"stand-in"}')));
    for (const word of answer_for(prompt)) {
      if (cancelled.has(stream_id) || closed) {
        await send_frame(single('error', stream_id, encode_error_payload({ code: 5, reason: 'cancelled by the client' })));
        return;
      }
      await send_frame(single('stream-delta', stream_id, utf8_encode(word)));
      await new Promise((resolve) => setTimeout(resolve, options.word_delay_ms ?? 20));
    }
    await send_frame(single('response-end', stream_id, utf8_encode('{"receipt":"stand-in"}')));
  };

  for (;;) {
    const wire = await next();
    if (wire === null) return;
    const frame = parse_frame(await input.decrypt_with_ad(kEmpty, wire));
    if (frame.type === 'cancel') {
      state.cancels++;
      cancelled.add(frame.stream_id);
    } else if (frame.type === 'ping') {
      await send_frame({ ...frame, type: 'pong' });
    } else if (frame.type === 'request') {
      const chunks = partial.get(frame.stream_id) ?? [];
      chunks.push(frame.payload);
      partial.set(frame.stream_id, chunks);
      if (frame.fin) {
        partial.delete(frame.stream_id);
        const body = utf8_decode(concat(...chunks));
        state.requests.push(body);
        void answer(frame.stream_id, body);
      }
    } else if (frame.type === 'error' && frame.stream_id === 0) {
      socket.close();
      return;
    }
  }
}
