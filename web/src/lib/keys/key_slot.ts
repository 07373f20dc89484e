// Key slots: the account root secret R, wrapped once per unlocking method; the
// twin of client/keys/key_slot.h. Each method yields material M; from M come
// a lookup id (the host files the slot under it) and a wrapping key, which
// seals R with AES-256-GCM. See docs/keys.md.
import { ByteReader } from '../bytes/reader';
import { ByteWriter } from '../bytes/writer';
import { bytes_equal, utf8_encode } from '../bytes/encoding';
import { type Argon2Params, argon2id, kPassphraseArgon2Params } from '../crypto/argon2';
import { AeadKey, hkdf_sha256, kAeadNonceSize, random_bytes, sha256, wipe } from '../crypto/webcrypto';
import { CloisterError } from '../errors';
import { derive_account_keys } from './account_keys';

export enum SlotKind {
  PasskeyPrf = 1, // WebAuthn PRF extension, in the browser
  Fido2HmacSecret = 2, // CTAP2 hmac-secret, from the CLI through libfido2
  Passphrase = 3, // Argon2id of a passphrase
  RecoveryCode = 4, // the one-time-shown recovery code
}

const kSlotNames: ReadonlyMap<SlotKind, string> = new Map([
  [SlotKind.PasskeyPrf, 'passkey'],
  [SlotKind.Fido2HmacSecret, 'fido2'],
  [SlotKind.Passphrase, 'passphrase'],
  [SlotKind.RecoveryCode, 'recovery'],
]);

const kSealFormatV1 = 1;
const kLookupLabel = 'cloister/v1/slot-lookup';
const kWrapLabel = 'cloister/v1/slot-wrap';
const kSlotAadLabel = 'cloister/v1/slot';
const kPassphraseSaltLabel = 'cloister/v1/passphrase-salt';

// The PRF input Cloister evaluates on passkeys and FIDO2 keys.
export const kPrfInput = 'cloister/v1/prf';

// Returns the slot kind's stable name ("passkey", "fido2", "passphrase", "recovery").
export function slot_kind_name(kind: SlotKind): string {
  return kSlotNames.get(kind) ?? 'unknown';
}

// Parses a name produced by slot_kind_name.
export function parse_slot_kind(name: string): SlotKind {
  for (const [kind, known] of kSlotNames) if (known === name) return kind;
  throw new CloisterError(
    'invalid_argument',
    `unknown slot kind '${name}' (want passkey, fido2, passphrase or recovery)`,
  );
}

export interface SlotKeys {
  lookup_id: Uint8Array; // 32 bytes
  wrapping_key: Uint8Array; // 32 bytes, secret
}

function labelled(label: string, kind: SlotKind): Uint8Array {
  return new ByteWriter().string(label).u8(kind).finish();
}

// Derives the lookup id and wrapping key from unlocking material (>= 16 bytes).
export async function derive_slot_keys(kind: SlotKind, material: Uint8Array): Promise<SlotKeys> {
  if (material.length < 16) throw new CloisterError('invalid_argument', 'slot material must be at least 16 bytes');
  const empty = new Uint8Array(0);
  return {
    lookup_id: await hkdf_sha256(material, empty, labelled(kLookupLabel, kind), 32),
    wrapping_key: await hkdf_sha256(material, empty, labelled(kWrapLabel, kind), 32),
  };
}

// Derives slot keys for a passphrase. The Argon2id salt is the first 16 bytes
// of SHA-256(label || account public key), so unlocking needs the account id.
export async function passphrase_slot_keys(
  passphrase: string,
  account: Uint8Array,
  params: Argon2Params = kPassphraseArgon2Params,
): Promise<SlotKeys> {
  if (passphrase.length === 0) throw new CloisterError('invalid_argument', 'the passphrase is empty');
  const salt = (await sha256(new ByteWriter().string(kPassphraseSaltLabel).bytes(account).finish())).subarray(0, 16);
  const secret = utf8_encode(passphrase);
  const material = await argon2id(secret, salt, params, 32);
  wipe(secret);
  try {
    return await derive_slot_keys(SlotKind.Passphrase, material);
  } finally {
    wipe(material);
  }
}

// Returns SHA-256("WebAuthn PRF" || 0x00 || input): the salt WebAuthn's PRF
// extension hands to CTAP2 hmac-secret, which the CLI applies itself.
export function webauthn_prf_salt(input: Uint8Array): Promise<Uint8Array> {
  return sha256(new ByteWriter().string('WebAuthn PRF').u8(0).bytes(input).finish());
}

// A slot as the host stores it. Only `sealed` is secret, and it is encrypted.
export interface WrappedSlot {
  kind: SlotKind;
  lookup_id: Uint8Array;
  account: Uint8Array; // the identity public key
  sealed: Uint8Array; // format (1) || nonce (12) || AES-256-GCM(R) || tag
}

function slot_associated_data(slot: Omit<WrappedSlot, 'sealed'>): Uint8Array {
  return new ByteWriter().string(kSlotAadLabel).u8(slot.kind).bytes(slot.lookup_id).bytes(slot.account).finish();
}

// Seals `root` under `keys` for `account`.
export async function wrap_root_secret(
  root: Uint8Array,
  kind: SlotKind,
  keys: SlotKeys,
  account: Uint8Array,
): Promise<WrappedSlot> {
  const header = { kind, lookup_id: keys.lookup_id, account };
  const nonce = random_bytes(kAeadNonceSize);
  const aead = await AeadKey.create(keys.wrapping_key);
  const ciphertext = await aead.seal(nonce, slot_associated_data(header), root);
  return { ...header, sealed: new ByteWriter().u8(kSealFormatV1).bytes(nonce).bytes(ciphertext).finish() };
}

// Opens a slot. Throws `rejected` when the keys are wrong, the slot was
// altered, or the recovered root belongs to another account.
export async function unwrap_root_secret(slot: WrappedSlot, keys: SlotKeys): Promise<Uint8Array> {
  if (!bytes_equal(slot.lookup_id, keys.lookup_id)) throw new CloisterError('rejected', 'this key does not open this slot');
  const reader = new ByteReader(slot.sealed);
  const format = reader.u8('slot format');
  if (format !== kSealFormatV1) throw new CloisterError('unsupported', `unknown slot format ${format}`);
  const nonce = reader.bytes(kAeadNonceSize, 'slot nonce');
  const aead = await AeadKey.create(keys.wrapping_key);
  let root: Uint8Array;
  try {
    root = await aead.open(nonce, slot_associated_data(slot), reader.rest());
  } catch {
    throw new CloisterError('rejected', 'the slot does not open with this key (wrong secret?)');
  }
  const derived = await derive_account_keys(root);
  wipe(derived.history_key);
  if (!bytes_equal(derived.identity.public_key, slot.account)) {
    wipe(root);
    throw new CloisterError('rejected', "the slot's secret belongs to a different account");
  }
  return root;
}
