import { describe, expect, it } from 'vitest';
import { hex_decode, hex_encode } from '../bytes/encoding';
import { x25519_key_pair } from './x25519';

// RFC 7748 section 6.1.
const kAlicePrivate = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
const kAlicePublic = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const kBobPrivate = '5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb';
const kBobPublic = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const kShared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

describe.each([true, false])('X25519 (WebCrypto: %s)', (use_platform) => {
  it('reproduces RFC 7748 section 6.1', async () => {
    const alice = await x25519_key_pair(hex_decode(kAlicePrivate), use_platform);
    const bob = await x25519_key_pair(hex_decode(kBobPrivate), use_platform);
    expect(hex_encode(alice.public_key)).toBe(kAlicePublic);
    expect(hex_encode(bob.public_key)).toBe(kBobPublic);
    expect(hex_encode(await alice.dh(bob.public_key))).toBe(kShared);
    expect(hex_encode(await bob.dh(alice.public_key))).toBe(kShared);
  });

  it('refuses a small-order peer key', async () => {
    const alice = await x25519_key_pair(hex_decode(kAlicePrivate), use_platform);
    await expect(alice.dh(new Uint8Array(32))).rejects.toThrow(/small-order/);
  });
});
