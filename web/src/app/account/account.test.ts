import { describe, expect, it } from 'vitest';
import { generate_root_secret } from '../../lib/keys/account_keys';
import { SlotKind } from '../../lib/keys/key_slot';
import type { UnlockedAccount } from './account';
import { add_passphrase, add_recovery_code, lock, unlock_with_passphrase, unlock_with_recovery_code } from './account';
import { MemorySlotStore } from './slot_store';
import { derive_account_keys, account_id } from '../../lib/keys/account_keys';

async function new_account(): Promise<UnlockedAccount> {
  const root = generate_root_secret();
  const keys = await derive_account_keys(root);
  return { id: account_id(keys.identity.public_key), keys, root };
}

describe('account unlocking', () => {
  it('unlocks with the recovery code it issued, and not with another', async () => {
    const store = new MemorySlotStore();
    const account = await new_account();
    const code = await add_recovery_code(store, account);
    const again = await unlock_with_recovery_code(store, code.toLowerCase());
    expect(again.id).toBe(account.id);
    expect(again.root).toEqual(account.root);
    const other = await add_recovery_code(new MemorySlotStore(), await new_account());
    await expect(unlock_with_recovery_code(store, other)).rejects.toThrow(/no account is unlocked by this recovery code/);
  });

  it('unlocks with a passphrase given the account, and lists both slots', async () => {
    const store = new MemorySlotStore();
    const account = await new_account();
    await add_recovery_code(store, account);
    await add_passphrase(store, account, 'a long passphrase');
    const public_key = account.keys.identity.public_key;
    expect((await unlock_with_passphrase(store, public_key, 'a long passphrase')).id).toBe(account.id);
    await expect(unlock_with_passphrase(store, public_key, 'a long passphrasf')).rejects.toThrow(/no account/);
    expect((await store.list(public_key)).map((s) => s.kind).sort()).toEqual([SlotKind.Passphrase, SlotKind.RecoveryCode]);
  });

  it('wipes the secrets when locked', async () => {
    const account = await new_account();
    lock(account);
    expect(account.root.every((b) => b === 0)).toBe(true);
    expect(account.keys.history_key.every((b) => b === 0)).toBe(true);
  });
});
