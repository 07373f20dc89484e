// The SlotStore and BlobStore interfaces over cloister-host's key-slot and
// blob APIs (docs/deployment.md): slots are found by lookup id without a
// token, changed with one; blobs carry their version as an entity tag, and a
// write names the version it replaces (If-Match) or that it creates
// (If-None-Match: *), so the host refuses stale writes with 409.
import { base64url_encode, bytes_equal } from '../../lib/bytes/encoding';
import type { Ed25519KeyPair } from '../../lib/crypto/ed25519';
import { CloisterError } from '../../lib/errors';
import { SlotKind, type WrappedSlot } from '../../lib/keys/key_slot';
import type { SlotInfo, SlotStore } from '../account/slot_store';
import { type BlobStore, type StoredBlob, conflict } from '../chat/history_store';
import { type HostClient, type JsonObject, bytes_field, field, host_error, parse_object } from './host_client';

// The host's names for slot kinds (the C++ client's are "passkey", "fido2", …).
const kHostSlotKinds: ReadonlyMap<SlotKind, string> = new Map([
  [SlotKind.PasskeyPrf, 'passkey-prf'],
  [SlotKind.Fido2HmacSecret, 'fido2-hmac-secret'],
  [SlotKind.Passphrase, 'passphrase'],
  [SlotKind.RecoveryCode, 'recovery'],
]);

function parse_kind(name: string): SlotKind {
  for (const [kind, text] of kHostSlotKinds) if (text === name) return kind;
  throw new CloisterError('malformed', `host response: unknown slot kind "${name}"`);
}

export class HostSlotStore implements SlotStore {
  private signed_in: Uint8Array | null = null;

  constructor(private readonly host: HostClient) {}

  async authorize(identity: Ed25519KeyPair): Promise<void> {
    if (this.signed_in !== null && bytes_equal(this.signed_in, identity.public_key)) return;
    await this.host.sign_in(identity);
    this.signed_in = identity.public_key;
  }

  // Forgets which account is signed in (after locking).
  forget(): void {
    this.signed_in = null;
  }

  async put(slot: WrappedSlot): Promise<void> {
    await this.host.json('PUT', `/v1/slots/${base64url_encode(slot.lookup_id)}`, {
      auth: true,
      json: { kind: kHostSlotKinds.get(slot.kind), wrapped: base64url_encode(slot.sealed) },
    }, [200, 201]);
  }

  async find(lookup_id: Uint8Array): Promise<WrappedSlot | null> {
    const response = await this.host.raw('GET', `/v1/slots/${base64url_encode(lookup_id)}`);
    if (response.status === 404) return null;
    if (response.status !== 200) throw host_error(response);
    const body = parse_object(response.body);
    if (!bytes_equal(bytes_field(body, 'lookup_id', 32), lookup_id)) throw new CloisterError('malformed', 'host returned another slot');
    return {
      kind: parse_kind(field(body, 'kind', 'string')),
      lookup_id,
      account: bytes_field(body, 'account', 32),
      sealed: bytes_field(body, 'wrapped'),
    };
  }

  async list(account: Uint8Array): Promise<SlotInfo[]> {
    if (this.signed_in === null || !bytes_equal(this.signed_in, account)) throw new CloisterError('invalid_argument', 'not signed in as this account');
    const body = await this.host.json('GET', '/v1/slots', { auth: true });
    const slots = field(body, 'slots', 'object');
    if (!Array.isArray(slots)) throw new CloisterError('malformed', 'host response: "slots" is not a list');
    return slots.map((s) => ({ kind: parse_kind(field(s as JsonObject, 'kind', 'string')), lookup_id: bytes_field(s as JsonObject, 'lookup_id', 32) }));
  }

  async remove(lookup_id: Uint8Array): Promise<void> {
    await this.host.json('DELETE', `/v1/slots/${base64url_encode(lookup_id)}`, { auth: true }, [204]);
  }
}

// Reads a version entity tag ("3").
export function parse_version_tag(tag: string | null): number {
  const match = tag === null ? null : /^"([1-9][0-9]{0,15})"$/.exec(tag);
  if (match === null) throw new CloisterError('malformed', `host response: ETag ${tag ?? '(none)'} is not a version`);
  return Number(match[1]);
}

export class HostBlobStore implements BlobStore {
  constructor(private readonly host: HostClient) {}

  async list(): Promise<StoredBlob[]> {
    const live = new Map<string, boolean>();
    let cursor = '0';
    for (let page = 0; page < 10_000; page++) {
      const body = await this.host.json('GET', `/v1/blobs?since=${encodeURIComponent(cursor)}&limit=500`, { auth: true });
      const changes = field(body, 'changes', 'object');
      if (!Array.isArray(changes)) throw new CloisterError('malformed', 'host response: "changes" is not a list');
      for (const change of changes as JsonObject[]) live.set(field(change, 'id', 'string'), !field(change, 'deleted', 'boolean'));
      cursor = String(body.cursor);
      if (body.more !== true) break;
    }
    const out: StoredBlob[] = [];
    for (const [id, alive] of live) {
      if (!alive) continue;
      const blob = await this.get(id);
      if (blob !== null) out.push(blob);
    }
    return out;
  }

  async get(id: string): Promise<StoredBlob | null> {
    const response = await this.host.raw('GET', `/v1/blobs/${encodeURIComponent(id)}`, { auth: true });
    if (response.status === 404) return null;
    if (response.status !== 200) throw host_error(response);
    return { id, version: parse_version_tag(response.headers.get('etag')), sealed: response.body };
  }

  async put(id: string, expected: number, sealed: Uint8Array): Promise<number> {
    const condition = expected === 0 ? { 'if-none-match': '*' } : { 'if-match': `"${expected}"` };
    const response = await this.host.raw('PUT', `/v1/blobs/${encodeURIComponent(id)}`, { auth: true, body: sealed, headers: condition });
    if (response.status === 409 || response.status === 412) throw conflict(id, expected, null);
    if (response.status !== 200 && response.status !== 201) throw host_error(response);
    return parse_version_tag(response.headers.get('etag'));
  }

  async remove(id: string, expected: number): Promise<void> {
    const response = await this.host.raw('DELETE', `/v1/blobs/${encodeURIComponent(id)}`, { auth: true, headers: { 'if-match': `"${expected}"` } });
    if (response.status === 409 || response.status === 412) throw conflict(id, expected, null);
    if (response.status !== 200) throw host_error(response);
  }
}
