import { describe, expect, it } from 'vitest';
import { hex_encode } from '../bytes/encoding';
import { h, load_cpp_keys } from './cpp_fixture.test_support';
import { SlotKind, derive_slot_keys, unwrap_root_secret } from './key_slot';
import { format_recovery_code, generate_recovery_entropy, parse_recovery_code } from './recovery_code';

const cpp = load_cpp_keys();

describe('recovery codes (twin of client/keys/recovery_code)', () => {
  it('formats entropy as the C++ client does', async () => {
    expect(await format_recovery_code(h(cpp.recovery.entropy))).toBe(cpp.recovery.code);
    expect(cpp.recovery.code).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  it('opens the C++ recovery slot from the code, typed loosely', async () => {
    const typed = cpp.recovery.code.toLowerCase().replaceAll('-', ' ').replaceAll('0', 'o').replaceAll('1', 'l');
    const entropy = await parse_recovery_code(typed);
    expect(hex_encode(entropy)).toBe(cpp.recovery.entropy);
    const keys = await derive_slot_keys(SlotKind.RecoveryCode, entropy);
    const slot = {
      kind: SlotKind.RecoveryCode,
      lookup_id: keys.lookup_id,
      account: h(cpp.identity_public_key),
      sealed: h(cpp.recovery.sealed),
    };
    expect(hex_encode(await unwrap_root_secret(slot, keys))).toBe(cpp.root_secret);
  });

  it('catches every single-character typo', async () => {
    const code = await format_recovery_code(generate_recovery_entropy());
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    for (let i = 0; i < code.length; i++) {
      if (code[i] === '-') continue;
      const replacement = alphabet[(alphabet.indexOf(code[i]!) + 1 + (i % 31)) % 32]!;
      const typo = code.slice(0, i) + replacement + code.slice(i + 1);
      await expect(parse_recovery_code(typo)).rejects.toThrow(/checksum mismatch/);
    }
  });

  it('names the problem with a wrong length or character', async () => {
    await expect(parse_recovery_code(cpp.recovery.code.slice(0, -1))).rejects.toThrow(/this one has 31/);
    await expect(parse_recovery_code(cpp.recovery.code + 'A')).rejects.toThrow(/this one has 33/);
    await expect(parse_recovery_code(cpp.recovery.code.replace(/.$/, 'U'))).rejects.toThrow(/invalid character 'U'/);
  });
});
