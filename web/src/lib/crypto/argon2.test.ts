import { argon2id as reference_argon2id } from '@noble/hashes/argon2.js';
import { describe, expect, it } from 'vitest';
import { hex_encode } from '../bytes/encoding';
import { argon2id } from './argon2';

describe('argon2id', () => {
  it('the reference implementation reproduces RFC 9106 section 5.3', () => {
    // hash-wasm has no associated-data input, so the RFC vector checks the
    // independent reference (@noble/hashes), which then checks hash-wasm below.
    const tag = reference_argon2id(new Uint8Array(32).fill(1), new Uint8Array(16).fill(2), {
      t: 3,
      m: 32,
      p: 4,
      dkLen: 32,
      key: new Uint8Array(8).fill(3),
      personalization: new Uint8Array(12).fill(4),
    });
    expect(hex_encode(tag)).toBe('0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659');
  });

  it('matches the reference with a secret key and with none', async () => {
    const password = new TextEncoder().encode('password');
    const salt = new TextEncoder().encode('somesalt');
    for (const key of [undefined, new Uint8Array(8).fill(3)]) {
      const ours = await argon2id(password, salt, { iterations: 2, memory_kib: 256, parallelism: 2 }, 32, key);
      const reference = reference_argon2id(password, salt, { t: 2, m: 256, p: 2, dkLen: 32, ...(key ? { key } : {}) });
      expect(hex_encode(ours)).toBe(hex_encode(reference));
    }
  });

  it('refuses parameters Argon2 does not allow', async () => {
    const one = new Uint8Array(1);
    await expect(argon2id(one, new Uint8Array(4), { iterations: 1, memory_kib: 64, parallelism: 1 }, 32)).rejects.toThrow(
      /salts are at least 8 bytes/,
    );
  });
});
