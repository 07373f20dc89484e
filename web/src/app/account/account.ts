// Creating and unlocking an account: the account root secret R is made here,
// wrapped into one slot per unlocking method (passkey PRF, recovery code,
// passphrase), and recovered from any one of them. Unlocked state holds R's
// derived keys only as long as the page lives.
import { account_id, derive_account_keys, generate_root_secret, type AccountKeys } from '../../lib/keys/account_keys';
import { wipe } from '../../lib/crypto/webcrypto';
import { CloisterError } from '../../lib/errors';
import {
  SlotKind,
  type SlotKeys,
  derive_slot_keys,
  passphrase_slot_keys,
  unwrap_root_secret,
  wrap_root_secret,
} from '../../lib/keys/key_slot';
import { evaluate_passkey, passkey_slot_keys, register_passkey } from '../../lib/keys/passkey';
import { format_recovery_code, generate_recovery_entropy, parse_recovery_code } from '../../lib/keys/recovery_code';
import type { SlotStore } from './slot_store';

export interface UnlockedAccount {
  id: string; // base64url identity public key
  keys: AccountKeys;
  root: Uint8Array; // kept to add unlock methods; wiped on lock
}

async function unlocked(root: Uint8Array): Promise<UnlockedAccount> {
  const keys = await derive_account_keys(root);
  return { id: account_id(keys.identity.public_key), keys, root };
}

async function add_slot(store: SlotStore, account: UnlockedAccount, kind: SlotKind, keys: SlotKeys): Promise<void> {
  await store.authorize(account.keys.identity);
  await store.put(await wrap_root_secret(account.root, kind, keys, account.keys.identity.public_key));
  wipe(keys.wrapping_key);
}

async function open_slot(store: SlotStore, keys: SlotKeys, what: string): Promise<UnlockedAccount> {
  const slot = await store.find(keys.lookup_id);
  if (slot === null) throw new CloisterError('rejected', `no account is unlocked by this ${what}`);
  const root = await unwrap_root_secret(slot, keys);
  wipe(keys.wrapping_key);
  return unlocked(root);
}

// Creates an account unlocked by a new passkey, and its recovery code (shown once).
export async function create_account_with_passkey(
  store: SlotStore,
  rp_id: string,
  user_name: string,
): Promise<{ account: UnlockedAccount; recovery_code: string }> {
  const passkey = await register_passkey(rp_id, user_name);
  const account = await unlocked(generate_root_secret());
  await add_slot(store, account, SlotKind.PasskeyPrf, await passkey_slot_keys(passkey.prf_output));
  wipe(passkey.prf_output);
  return { account, recovery_code: await add_recovery_code(store, account) };
}

// Adds a fresh recovery-code slot and returns the code.
export async function add_recovery_code(store: SlotStore, account: UnlockedAccount): Promise<string> {
  const entropy = generate_recovery_entropy();
  const code = await format_recovery_code(entropy);
  await add_slot(store, account, SlotKind.RecoveryCode, await derive_slot_keys(SlotKind.RecoveryCode, entropy));
  wipe(entropy);
  return code;
}

// Adds a slot for another passkey.
export async function add_passkey(store: SlotStore, account: UnlockedAccount, rp_id: string, user_name: string): Promise<void> {
  const passkey = await register_passkey(rp_id, user_name);
  await add_slot(store, account, SlotKind.PasskeyPrf, await passkey_slot_keys(passkey.prf_output));
  wipe(passkey.prf_output);
}

// Adds a passphrase slot (Argon2id, 64 MiB).
export async function add_passphrase(store: SlotStore, account: UnlockedAccount, passphrase: string): Promise<void> {
  await add_slot(store, account, SlotKind.Passphrase, await passphrase_slot_keys(passphrase, account.keys.identity.public_key));
}

// Unlocks with any of this site's passkeys that holds a slot.
export async function unlock_with_passkey(store: SlotStore, rp_id: string): Promise<UnlockedAccount> {
  const passkey = await evaluate_passkey(rp_id);
  const keys = await passkey_slot_keys(passkey.prf_output);
  wipe(passkey.prf_output);
  return open_slot(store, keys, 'passkey');
}

// Unlocks with a recovery code (typos are caught before any lookup).
export async function unlock_with_recovery_code(store: SlotStore, code: string): Promise<UnlockedAccount> {
  const entropy = await parse_recovery_code(code);
  const keys = await derive_slot_keys(SlotKind.RecoveryCode, entropy);
  wipe(entropy);
  return open_slot(store, keys, 'recovery code');
}

// Unlocks with a passphrase, which needs the account id (it salts Argon2id).
export async function unlock_with_passphrase(
  store: SlotStore,
  account_public_key: Uint8Array,
  passphrase: string,
): Promise<UnlockedAccount> {
  return open_slot(store, await passphrase_slot_keys(passphrase, account_public_key), 'passphrase');
}

// Forgets the unlocked secrets.
export function lock(account: UnlockedAccount): void {
  wipe(account.root, account.keys.history_key);
}
