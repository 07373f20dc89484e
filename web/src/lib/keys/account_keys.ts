// The account root secret R and the keys derived from it, the twin of
// client/keys/account_keys.h. R is 32 random bytes; everything else comes from
// R through HKDF-SHA256 (empty salt) with a distinct label (docs/keys.md).
import { base64url_decode, base64url_encode, utf8_encode } from '../bytes/encoding';
import { type Ed25519KeyPair, ed25519_from_seed, kEd25519PublicKeySize } from '../crypto/ed25519';
import { hkdf_sha256, random_bytes, wipe } from '../crypto/webcrypto';
import { CloisterError } from '../errors';

export const kRootSecretSize = 32;
const kIdentityLabel = 'cloister/v1/identity';
const kHistoryLabel = 'cloister/v1/history';

export interface AccountKeys {
  identity: Ed25519KeyPair; // the account's identity at the host
  history_key: Uint8Array; // AES-256-GCM key for history blobs (32 bytes)
}

// Returns a fresh random root secret.
export function generate_root_secret(): Uint8Array {
  return random_bytes(kRootSecretSize);
}

function derive(root: Uint8Array, label: string): Promise<Uint8Array> {
  return hkdf_sha256(root, new Uint8Array(0), utf8_encode(label), 32);
}

// Derives the identity key and history key from `root` (32 bytes).
export async function derive_account_keys(root: Uint8Array): Promise<AccountKeys> {
  if (root.length !== kRootSecretSize) {
    throw new CloisterError('invalid_argument', 'the account root secret must be 32 bytes');
  }
  const seed = await derive(root, kIdentityLabel);
  const identity = await ed25519_from_seed(seed);
  wipe(seed);
  return { identity, history_key: await derive(root, kHistoryLabel) };
}

// Returns the account id: the base64url form of the identity public key.
export function account_id(identity_public_key: Uint8Array): string {
  return base64url_encode(identity_public_key);
}

// Parses an account id back into the identity public key.
export function parse_account_id(id: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = base64url_decode(id);
  } catch {
    raw = new Uint8Array(0);
  }
  if (raw.length !== kEd25519PublicKeySize) {
    throw new CloisterError('invalid_argument', 'not an account id (43 base64url characters)');
  }
  return raw;
}
