// The web app's client of cloister-host's HTTP API (docs/deployment.md "HTTP
// API"): sign-in by Ed25519 challenge-response, and the bearer token the
// other calls need. Every response is parsed strictly; an error names the
// host's error type and message.
import { base64url_decode, base64url_encode, utf8_encode } from '../../lib/bytes/encoding';
import { ByteWriter } from '../../lib/bytes/writer';
import type { Ed25519KeyPair } from '../../lib/crypto/ed25519';
import { CloisterError } from '../../lib/errors';

const kSignInLabel = 'cloister-host/sign-in/v1';
const kMaxResponseBytes = 16 * 1024 * 1024;

// The bytes an account signs to sign in: label, 0x00, the origin (u16be
// length-prefixed), the challenge and the public key. The origin is the one
// the client connected to, never the one the host reports.
export function sign_in_message(origin: string, challenge: Uint8Array, public_key: Uint8Array): Uint8Array {
  return new ByteWriter().string(kSignInLabel).u8(0).prefixed(2, utf8_encode(origin)).bytes(challenge).bytes(public_key).finish();
}

export type JsonObject = Record<string, unknown>;

// Reads a field of a JSON object with the expected type, or throws.
export function field<T extends 'string' | 'number' | 'boolean' | 'object'>(
  object: JsonObject,
  name: string,
  type: T,
): T extends 'string' ? string : T extends 'number' ? number : T extends 'boolean' ? boolean : JsonObject | unknown[] {
  const value = object[name];
  if (typeof value !== type || value === null) throw new CloisterError('malformed', `host response: "${name}" is not a ${type}`);
  return value as never;
}

// Reads a base64url field of `size` bytes (any size if omitted).
export function bytes_field(object: JsonObject, name: string, size?: number): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base64url_decode(field(object, name, 'string'));
  } catch {
    throw new CloisterError('malformed', `host response: "${name}" is not base64url`);
  }
  if (size !== undefined && bytes.length !== size) throw new CloisterError('malformed', `host response: "${name}" is not ${size} bytes`);
  return bytes;
}

export interface HostResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

export class HostClient {
  private token: string | null = null;

  // `origin` is where this page was loaded from (the host serves the app).
  constructor(
    readonly origin: string = location.origin,
    private readonly fetch_fn: typeof fetch = (...args) => fetch(...args),
  ) {}

  get bearer_token(): string | null {
    return this.token;
  }

  // Sends a request; returns the response whatever its status.
  async raw(method: string, path: string, init: { json?: unknown; body?: Uint8Array; headers?: Record<string, string>; auth?: boolean } = {}): Promise<HostResponse> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.auth === true) {
      if (this.token === null) throw new CloisterError('invalid_argument', 'not signed in to the host');
      headers.authorization = `Bearer ${this.token}`;
    }
    let body: BodyInit | null = null;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.body !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      body = new Uint8Array(init.body);
    }
    let response: Response;
    try {
      response = await this.fetch_fn(`${this.origin}${path}`, { method, headers, body, credentials: 'omit', cache: 'no-store', redirect: 'error' });
    } catch (e) {
      throw new CloisterError('unavailable', `cannot reach the host: ${(e as Error).message}`);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > kMaxResponseBytes) throw new CloisterError('resource_exhausted', 'host response over 16 MiB');
    return { status: response.status, headers: response.headers, body: bytes };
  }

  // Sends a request and returns its JSON object, or throws the host's error.
  async json(method: string, path: string, init: Parameters<HostClient['raw']>[2] = {}, ok: number[] = [200]): Promise<JsonObject> {
    const response = await this.raw(method, path, init);
    if (!ok.includes(response.status)) throw host_error(response);
    if (response.body.length === 0) return {};
    return parse_object(response.body);
  }

  // Forgets the bearer token and asks the host to revoke it (best effort).
  sign_out(): void {
    if (this.token === null) return;
    void this.raw('POST', '/v1/auth/sign-out', { auth: true }).catch(() => undefined);
    this.token = null;
  }

  // Signs in as `identity`; creates the account at the host on first use.
  async sign_in(identity: Ed25519KeyPair): Promise<void> {
    const public_key = base64url_encode(identity.public_key);
    const issued = await this.json('POST', '/v1/auth/challenge', { json: { public_key } });
    const challenge = bytes_field(issued, 'challenge', 32);
    const signature = await identity.sign(sign_in_message(this.origin, challenge, identity.public_key));
    const token = await this.json('POST', '/v1/auth/token', {
      json: { public_key, challenge: base64url_encode(challenge), signature: base64url_encode(signature) },
    });
    if (field(token, 'account', 'string') !== public_key) throw new CloisterError('rejected', 'the host signed in another account');
    this.token = field(token, 'token', 'string');
  }
}

// Parses a JSON object from a response body, or throws malformed.
export function parse_object(bytes: Uint8Array): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new CloisterError('malformed', 'host response is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CloisterError('malformed', 'host response is not a JSON object');
  return value as JsonObject;
}

// Turns an error response into a CloisterError naming the host's reason.
export function host_error(response: HostResponse): CloisterError {
  let detail = `HTTP ${response.status}`;
  try {
    const error = field(parse_object(response.body), 'error', 'object') as JsonObject;
    detail = `${field(error, 'type', 'string')}: ${field(error, 'message', 'string')} (HTTP ${response.status})`;
  } catch {
    // keep the status alone
  }
  const code = response.status === 409 || response.status === 412 ? 'rejected' : response.status === 429 || response.status >= 500 ? 'unavailable' : response.status === 404 ? 'unavailable' : 'rejected';
  return new CloisterError(code, `host: ${detail}`);
}
