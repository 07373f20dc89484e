import { describe, expect, it } from 'vitest';
import { hex_decode, hex_encode } from '../bytes/encoding';
import { ed25519_from_seed, ed25519_verify } from './ed25519';

// RFC 8032 section 7.1, TEST 2.
const kSeed = hex_decode('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
const kPublic = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c';
const kMessage = hex_decode('72');
const kSignature =
  '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00';

describe.each([true, false])('Ed25519 (WebCrypto: %s)', (use_platform) => {
  it('derives the RFC 8032 public key and signature', async () => {
    const pair = await ed25519_from_seed(kSeed, use_platform);
    expect(hex_encode(pair.public_key)).toBe(kPublic);
    expect(hex_encode(await pair.sign(kMessage))).toBe(kSignature);
  });

  it('verifies the RFC 8032 signature and nothing else', async () => {
    const pub = hex_decode(kPublic);
    expect(await ed25519_verify(pub, kMessage, hex_decode(kSignature), use_platform)).toBe(true);
    expect(await ed25519_verify(pub, hex_decode('73'), hex_decode(kSignature), use_platform)).toBe(false);
    expect(await ed25519_verify(pub, kMessage, hex_decode(kSignature).subarray(1), use_platform)).toBe(false);
  });
});
