import { describe, expect, it } from 'vitest';
import { hex_decode, hex_encode } from '../bytes/encoding';
import { AeadKey, hkdf_sha256, hmac_sha256, sha256, sha384 } from './webcrypto';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('hashes', () => {
  it('match the FIPS 180 "abc" examples', async () => {
    expect(hex_encode(await sha256(ascii('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hex_encode(await sha384(ascii('abc')))).toBe(
      'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    );
  });

  it('HMAC-SHA256 matches RFC 4231 test case 2', async () => {
    expect(hex_encode(await hmac_sha256(ascii('Jefe'), ascii('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});

describe('hkdf_sha256', () => {
  it('matches RFC 5869 test case 1', async () => {
    const okm = await hkdf_sha256(
      new Uint8Array(22).fill(0x0b),
      hex_decode('000102030405060708090a0b0c'),
      hex_decode('f0f1f2f3f4f5f6f7f8f9'),
      42,
    );
    expect(hex_encode(okm)).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('matches RFC 5869 test case 3 (empty salt and info, as Cloister derives keys)', async () => {
    const okm = await hkdf_sha256(new Uint8Array(22).fill(0x0b), new Uint8Array(0), new Uint8Array(0), 42);
    expect(hex_encode(okm)).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });
});

describe('AeadKey', () => {
  // The GCM specification's test case 16 (AES-256, 60-byte plaintext, AAD).
  const key = hex_decode('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
  const nonce = hex_decode('cafebabefacedbaddecaf888');
  const aad = hex_decode('feedfacedeadbeeffeedfacedeadbeefabaddad2');
  const plaintext = hex_decode(
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
  );
  const sealed =
    '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' +
    '76fc6ece0f4e1768cddf8853bb2d551b';

  it('reproduces GCM test case 16', async () => {
    const aead = await AeadKey.create(key);
    expect(hex_encode(await aead.seal(nonce, aad, plaintext))).toBe(sealed);
    expect(await aead.open(nonce, aad, hex_decode(sealed))).toEqual(plaintext);
  });

  it('rejects a flipped bit or other associated data', async () => {
    const aead = await AeadKey.create(key);
    const tampered = hex_decode(sealed);
    tampered[3]! ^= 1;
    await expect(aead.open(nonce, aad, tampered)).rejects.toThrow(/authentication failed/);
    await expect(aead.open(nonce, new Uint8Array(0), hex_decode(sealed))).rejects.toThrow(/authentication failed/);
  });
});
