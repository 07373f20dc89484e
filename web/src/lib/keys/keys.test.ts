import { describe, expect, it } from 'vitest';
import { hex_encode } from '../bytes/encoding';
import { account_id, derive_account_keys, parse_account_id } from './account_keys';
import { h, load_cpp_keys } from './cpp_fixture.test_support';
import {
  SlotKind,
  derive_slot_keys,
  kPrfInput,
  parse_slot_kind,
  passphrase_slot_keys,
  slot_kind_name,
  unwrap_root_secret,
  webauthn_prf_salt,
  wrap_root_secret,
} from './key_slot';

const cpp = load_cpp_keys();
const account = h(cpp.identity_public_key);

describe('account keys (twin of client/keys/account_keys)', () => {
  it('derives the identity and history keys the C++ client derives', async () => {
    const keys = await derive_account_keys(h(cpp.root_secret));
    expect(hex_encode(keys.identity.public_key)).toBe(cpp.identity_public_key);
    expect(hex_encode(keys.history_key)).toBe(cpp.history_key);
    expect(account_id(keys.identity.public_key)).toBe(cpp.account_id);
    expect(parse_account_id(cpp.account_id)).toEqual(account);
  });

  it('rejects roots and ids of the wrong size', async () => {
    await expect(derive_account_keys(new Uint8Array(31))).rejects.toThrow(/32 bytes/);
    expect(() => parse_account_id('abc')).toThrow(/not an account id/);
  });
});

describe('key slots (twin of client/keys/key_slot)', () => {
  it('uses the WebAuthn PRF salt that coreutils computes', async () => {
    // printf 'WebAuthn PRF\0cloister/v1/prf' | sha256sum
    const salt = await webauthn_prf_salt(new TextEncoder().encode(kPrfInput));
    expect(hex_encode(salt)).toBe('915bed4189f94275b0cda69134cedec61a399097e16fa6a5ce5a724d7050f540');
    expect(hex_encode(salt)).toBe(cpp.webauthn_prf_salt);
    expect(kPrfInput).toBe(cpp.prf_input);
  });

  it.each([
    ['passkey', SlotKind.PasskeyPrf],
    ['fido2', SlotKind.Fido2HmacSecret],
  ] as const)('opens the %s slot the C++ client sealed', async (name, kind) => {
    const fixture = cpp[name];
    const keys = await derive_slot_keys(kind, h(fixture.material));
    expect(hex_encode(keys.lookup_id)).toBe(fixture.lookup_id);
    expect(hex_encode(keys.wrapping_key)).toBe(fixture.wrapping_key);
    const slot = { kind: parse_slot_kind(fixture.kind), lookup_id: keys.lookup_id, account, sealed: h(fixture.sealed) };
    expect(hex_encode(await unwrap_root_secret(slot, keys))).toBe(cpp.root_secret);
  });

  it('derives the passphrase slot keys with the C++ Argon2id parameters and salt', async () => {
    const keys = await passphrase_slot_keys(cpp.passphrase.passphrase, account);
    expect(hex_encode(keys.lookup_id)).toBe(cpp.passphrase.lookup_id);
    const slot = { kind: SlotKind.Passphrase, lookup_id: keys.lookup_id, account, sealed: h(cpp.passphrase.sealed) };
    expect(hex_encode(await unwrap_root_secret(slot, keys))).toBe(cpp.root_secret);
  });

  it('seals slots the same way it opens them, bound to kind, lookup id and account', async () => {
    const root = h(cpp.root_secret);
    const keys = await derive_slot_keys(SlotKind.PasskeyPrf, h(cpp.passkey.material));
    const slot = await wrap_root_secret(root, SlotKind.PasskeyPrf, keys, account);
    expect(slot.sealed.length).toBe(1 + 12 + 32 + 16);
    expect(await unwrap_root_secret(slot, keys)).toEqual(root);
    await expect(unwrap_root_secret({ ...slot, kind: SlotKind.RecoveryCode }, keys)).rejects.toThrow(/does not open/);
    const other = await derive_slot_keys(SlotKind.PasskeyPrf, new Uint8Array(32));
    await expect(unwrap_root_secret(slot, other)).rejects.toThrow(/does not open this slot/);
    const flipped = slot.sealed.slice();
    flipped[20]! ^= 1;
    await expect(unwrap_root_secret({ ...slot, sealed: flipped }, keys)).rejects.toThrow(/does not open/);
    const wrong_format = slot.sealed.slice();
    wrong_format[0] = 2;
    await expect(unwrap_root_secret({ ...slot, sealed: wrong_format }, keys)).rejects.toThrow(/unknown slot format 2/);
  });

  it("refuses a slot whose root belongs to another account", async () => {
    const keys = await derive_slot_keys(SlotKind.PasskeyPrf, h(cpp.passkey.material));
    const stranger = new Uint8Array(32).fill(7);
    const slot = await wrap_root_secret(h(cpp.root_secret), SlotKind.PasskeyPrf, keys, stranger);
    await expect(unwrap_root_secret(slot, keys)).rejects.toThrow(/different account/);
  });

  it('names slot kinds as the C++ side does', () => {
    expect([1, 2, 3, 4].map((k) => slot_kind_name(k as SlotKind))).toEqual(['passkey', 'fido2', 'passphrase', 'recovery']);
    expect(() => parse_slot_kind('pin')).toThrow(/unknown slot kind 'pin'/);
  });

  it('needs at least 16 bytes of material and a non-empty passphrase', async () => {
    await expect(derive_slot_keys(SlotKind.PasskeyPrf, new Uint8Array(15))).rejects.toThrow(/at least 16 bytes/);
    await expect(passphrase_slot_keys('', account)).rejects.toThrow(/empty/);
  });
});
