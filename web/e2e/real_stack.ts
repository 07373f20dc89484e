// The real Cloister stack for the end-to-end tests, on 127.0.0.1 in a
// temporary directory: a throwaway transparency log with one witness and a
// release of stories260K made with cloister-log (as scripts/release does), a
// development build of the web app pinned to that log, cloister-enclave with
// the SIMULATED provider, a recording (and optionally tampering) relay in
// front of it, and cloister-host serving the app, the log, the key-slot and
// blob APIs on SQLite, and the session relay.
//
// The binaries come from CLOISTER_BUILD_DIR (default: ../build/release, where
// `cmake --preset release && cmake --build build/release` puts them); the
// model from CLOISTER_TEST_DATA (default: ../../shared/data).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { utf8_encode } from '../src/lib/bytes/encoding';
import { HandshakeState } from '../src/lib/noise/handshake_state';
import { encode_evidence_bundle } from '../src/lib/session/evidence_bundle';
import { encode_server_hello, parse_client_hello } from '../src/lib/session/handshake_payloads';
import { Initiator } from '../src/lib/session/initiator';

const kWeb = fileURLToPath(new URL('..', import.meta.url));
const kBuild = resolve(process.env.CLOISTER_BUILD_DIR ?? join(kWeb, '../build/release'));
const kData = resolve(process.env.CLOISTER_TEST_DATA ?? join(kWeb, '../../shared/data'));

export const kBinaries = {
  host: join(kBuild, 'tools/cloister-host/cloister-host'),
  enclave: join(kBuild, 'tools/cloister-enclave/cloister-enclave'),
  log: join(kBuild, 'tools/cloister-log/cloister-log'),
};
export const kModel = join(kData, 'models/stories260K.gguf');

// Which of `needed` (binaries, and the model) cannot be found ([] when all are there).
export function missing_inputs(needed: (keyof typeof kBinaries | 'model')[] = ['host', 'enclave', 'log', 'model']): string[] {
  const paths = needed.map((what) => (what === 'model' ? kModel : kBinaries[what]));
  return paths.filter((path) => !existsSync(path));
}

// True if the real-stack tests must run: with CI=true a missing binary or
// model is a failure, elsewhere the tests are skipped with a notice.
export function real_stack_required(): boolean {
  return process.env.CI === 'true';
}

function run(binary: string, args: string[], input?: string): string {
  return execFileSync(binary, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 }).trim();
}

async function free_port(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function wait_for(what: string, check: () => boolean, child: ChildProcess, log: string, seconds = 30): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (check()) return;
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}):\n${readFileSync(log, 'utf8')}`);
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`${what} did not start in ${seconds} s:\n${readFileSync(log, 'utf8')}`);
}

function stop(child: ChildProcess | null): Promise<void> {
  if (child === null || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

export interface Release {
  dir: string; // manifest.json, release.proof
  log_dir: string;
  log_vkey: string;
  witness_vkey: string;
}

// A throwaway log, a witness, and a release of stories260K recording
// `web_app_digest`, appended, cosigned and proved (scripts/release's steps
// without its clean-checkout build).
export function make_log(work: string): { log_dir: string; log_key: string; log_vkey: string; witness_key: string; witness_vkey: string } {
  const log_dir = join(work, 'log');
  const log_key = join(work, 'log.key');
  const witness_key = join(work, 'witness.key');
  const log_vkey = run(kBinaries.log, ['init', '--dir', log_dir, '--origin', 'e2e.cloister.example/releases', '--key-out', log_key]);
  const witness_vkey = run(kBinaries.log, ['witness', 'init', '--name', 'witness.e2e.cloister.example', '--key-out', witness_key]);
  return { log_dir, log_key, log_vkey, witness_key, witness_vkey };
}

export function make_release(work: string, log: ReturnType<typeof make_log>, web_app_digest: string): Release {
  const dir = join(work, 'release');
  mkdirSync(dir, { recursive: true });
  const manifest = join(dir, 'manifest.json');
  run(kBinaries.log, [
    'manifest', 'create', '--version', '0.1.0-e2e', '--source-commit', '0'.repeat(40), '--enclave-binary', kBinaries.enclave,
    '--model', `stories260K=${kModel}`, '--setting', 'chat_template=plain', '--web-app-sha256', web_app_digest, '--out', manifest,
  ]);
  const index = run(kBinaries.log, ['append', '--dir', log.log_dir, '--key', log.log_key, manifest]);
  const state = join(work, 'witness-state');
  const origin = log.log_vkey.split('+')[0]!;
  const old = run(kBinaries.log, ['witness', 'status', '--state', state, '--origin', origin]);
  const request = run(kBinaries.log, ['witness', 'request', '--dir', log.log_dir, '--old', old]);
  const cosignature = run(kBinaries.log, ['witness', 'cosign', '--key', log.witness_key, '--state', state, '--log-vkey', log.log_vkey], request + '\n');
  run(kBinaries.log, ['witness', 'attach', '--dir', log.log_dir, '--witness-vkey', log.witness_vkey, '-'], cosignature + '\n');
  run(kBinaries.log, ['prove', 'release', '--dir', log.log_dir, '--index', index, '--out', join(dir, 'release.proof')]);
  return { dir, log_dir: log.log_dir, log_vkey: log.log_vkey, witness_vkey: log.witness_vkey };
}

// Builds the web app into `out_dir`, pinned to `log_vkey` and `witness_vkey`
// and accepting SIMULATED evidence (a development build); returns its digest.
export function build_app(out_dir: string, log_vkey: string, witness_vkey: string): string {
  execFileSync('npx', ['vite', 'build', '--outDir', out_dir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: kWeb,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
    env: {
      ...process.env,
      VITE_CLOISTER_LOG_VKEY: log_vkey,
      VITE_CLOISTER_WITNESS_VKEYS: witness_vkey,
      VITE_CLOISTER_WITNESS_THRESHOLD: '1',
      VITE_CLOISTER_ALLOW_SIMULATED: '1',
    },
  });
  return readFileSync(join(out_dir, 'app-digest.txt'), 'utf8').trim();
}

export interface Enclave {
  port: number;
  log: string;
  close(): Promise<void>;
}

// Starts cloister-enclave (SIMULATED provider, stories260K) on 127.0.0.1.
export async function start_enclave(work: string, release: Release): Promise<Enclave> {
  const log = join(work, 'enclave.log');
  const out = createWriteStream(log);
  const child = spawn(kBinaries.enclave, [
    '--provider', 'simulated', '--state-dir', join(work, 'enclave'), '--require-memory-lock', 'false',
    '--model', kModel, '--manifest', join(release.dir, 'manifest.json'), '--release-proof', join(release.dir, 'release.proof'),
    '--max-tokens', '96', '--listen', '127.0.0.1:0',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let port = 0;
  child.stderr!.on('data', (chunk: Buffer) => {
    out.write(chunk);
    const ready = /event=ready .*port=(\d+)/.exec(chunk.toString('utf8'));
    if (ready !== null) port = Number(ready[1]);
  });
  child.stdout!.pipe(out);
  await wait_for('cloister-enclave', () => port !== 0, child, log);
  return { port, log, close: () => stop(child) };
}

// A WebSocket relay between cloister-host and the enclave: it records every
// message both ways (what the host relays), while `tamper` is set flips one
// byte of the enclave's handshake message 2 (its evidence offer), and while
// `delay_ms` is set holds each message from the enclave that long (a slow
// network), in order.
// While `impersonate` is set it is a man in the middle instead: it answers
// the browser's handshake itself, offering the real enclave's evidence
// (fetched by its own handshake with the enclave) under its own Noise key.
export interface Relay {
  port: number;
  tamper: boolean;
  impersonate: boolean;
  impersonated: number; // sessions answered that way
  delay_ms: number;
  from_client: Uint8Array[];
  from_enclave: Uint8Array[];
  close(): Promise<void>;
}

export async function start_relay(enclave_port: number): Promise<Relay> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/session' });
  await new Promise<void>((done) => server.once('listening', () => done()));
  const relay: Relay = {
    port: (server.address() as { port: number }).port,
    tamper: false,
    impersonate: false,
    impersonated: 0,
    delay_ms: 0,
    from_client: [],
    from_enclave: [],
    close: () =>
      new Promise((done) => {
        for (const client of server.clients) client.terminate();
        server.close(() => done());
      }),
  };
  server.on('connection', (client, request) => {
    const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
    if (relay.impersonate) {
      impersonate(client, `ws://127.0.0.1:${enclave_port}/v1/session`, protocols, relay).catch(() => client.close());
      return;
    }
    const upstream = new WebSocket(`ws://127.0.0.1:${enclave_port}/v1/session`, protocols);
    const pending: Uint8Array[] = [];
    let replies = 0;
    const bytes = (data: RawData) => new Uint8Array(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer));
    client.on('message', (data) => {
      const message = bytes(data);
      relay.from_client.push(message);
      if (upstream.readyState === WebSocket.OPEN) upstream.send(message);
      else pending.push(message);
    });
    upstream.on('open', () => {
      for (const message of pending.splice(0)) upstream.send(message);
    });
    let delivered = Promise.resolve();
    upstream.on('message', (data) => {
      const message = bytes(data);
      relay.from_enclave.push(message);
      if (replies++ === 0 && relay.tamper) message[message.length - 20]! ^= 0x01; // inside the encrypted offer
      const delay = relay.delay_ms;
      delivered = delivered.then(() => new Promise((done) => setTimeout(done, delay))).then(() => client.send(message));
    });
    const close_both = () => {
      client.close();
      upstream.close();
    };
    client.on('close', close_both);
    upstream.on('close', close_both);
    upstream.on('error', close_both);
    client.on('error', close_both);
  });
  return relay;
}

// Whole messages from a WebSocket, awaited in order.
function inbox(socket: WebSocket, record?: Uint8Array[]): () => Promise<Uint8Array> {
  const queue: Uint8Array[] = [];
  let wake: (() => void) | null = null;
  let closed = false;
  socket.on('message', (data: Buffer) => {
    const message = new Uint8Array(data);
    record?.push(message);
    queue.push(message);
    wake?.();
  });
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  return async () => {
    while (queue.length === 0 && !closed) await new Promise<void>((done) => (wake = done));
    const message = queue.shift();
    if (message === undefined) throw new Error('closed');
    return message;
  };
}

// The man in the middle: the real enclave's evidence bundle, offered to the
// browser in a handshake under this relay's own static key.
async function impersonate(client: WebSocket, enclave_url: string, protocols: string[], relay: Relay): Promise<void> {
  const from_client = inbox(client, relay.from_client);
  const static_key = new Uint8Array(randomBytes(32));
  const handshake = await HandshakeState.create({ role: 'responder', static_key, prologue: utf8_encode('cloister/session') });
  parse_client_hello(await handshake.read_message(await from_client()));
  const upstream = new WebSocket(enclave_url, protocols);
  const from_enclave = inbox(upstream, relay.from_enclave);
  await new Promise((done, fail) => upstream.once('open', done).once('error', fail));
  const initiator = await Initiator.create();
  upstream.send(await initiator.start());
  const offer = await initiator.read_offer(await from_enclave());
  upstream.close();
  client.send(await handshake.write_message(encode_server_hello({ version: offer.version, evidence_bundle: encode_evidence_bundle(offer.bundle) })));
  relay.impersonated++;
  await from_client().catch(() => undefined); // message 3 never comes: the browser refuses
}

export interface Host {
  origin: string; // http://localhost:<port>: the passkey RP id must be a name, not an IP
  db: string;
  log: string;
  close(): Promise<void>;
}

// Starts cloister-host on 127.0.0.1 serving `static_dir` (and `log_dir` at
// /log/), relaying sessions to `replica_port` if given, storing in SQLite.
export async function start_host(work: string, static_dir: string, options: { log_dir?: string; replica_port?: number; enclave_port?: number } = {}): Promise<Host> {
  const port = await free_port();
  const origin = `http://localhost:${port}`;
  const db = join(work, 'host.db');
  const log = join(work, 'host.log');
  const config = join(work, 'host.json');
  const replicas =
    options.replica_port === undefined
      ? []
      : [{ name: 'e2e', url: `ws://127.0.0.1:${options.replica_port}/v1/session`, health_url: `http://127.0.0.1:${options.enclave_port}/healthz` }];
  writeFileSync(config, JSON.stringify({
    listen_address: '127.0.0.1',
    port,
    static_dir,
    database: { kind: 'sqlite', sqlite_path: db },
    auth: { origin },
    relay: { health_interval_seconds: 0.2, replicas },
    limits: { sign_ins_per_minute: 600, slot_lookups_per_minute: 600 },
  }));
  const ready = join(work, 'host.port');
  const args = ['serve', '--config', config, '--migrate', '--ready-file', ready];
  if (options.log_dir !== undefined) args.push('--log-dir', options.log_dir);
  const out = createWriteStream(log);
  const child = spawn(kBinaries.host, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  await wait_for('cloister-host', () => existsSync(ready) && readFileSync(ready, 'utf8').trim() !== '', child, log);
  if (options.replica_port !== undefined) {
    // Sessions go to the replica once its first health check passed.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      if (metrics.includes('cloister_host_replica_up{replica="e2e"} 1')) break;
      if (Date.now() > deadline) throw new Error('the host never saw the enclave healthy');
      await new Promise((done) => setTimeout(done, 100));
    }
  }
  return { origin, db, log, close: () => stop(child) };
}

// A temporary directory that `remove` deletes.
export function work_dir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'cloister-e2e-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
