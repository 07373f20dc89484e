import { describe, expect, it } from 'vitest';
import {
  base64_decode,
  base64_encode,
  base64url_decode,
  base64url_encode,
  bytes_equal,
  hex_decode,
  hex_encode,
  utf8_decode,
  utf8_encode,
} from './encoding';

const ascii = (s: string) => new TextEncoder().encode(s);

// RFC 4648 section 10.
const kRfc4648 = [
  ['', '', ''],
  ['f', 'Zg==', '66'],
  ['fo', 'Zm8=', '666f'],
  ['foo', 'Zm9v', '666f6f'],
  ['foob', 'Zm9vYg==', '666f6f62'],
  ['fooba', 'Zm9vYmE=', '666f6f6261'],
  ['foobar', 'Zm9vYmFy', '666f6f626172'],
] as const;

describe('encodings', () => {
  it('reproduces the RFC 4648 test vectors', () => {
    for (const [plain, b64, hex] of kRfc4648) {
      expect(base64_encode(ascii(plain))).toBe(b64);
      expect(base64_decode(b64)).toEqual(ascii(plain));
      expect(hex_encode(ascii(plain))).toBe(hex);
      expect(hex_decode(hex.toUpperCase())).toEqual(ascii(plain));
      expect(base64url_decode(base64url_encode(ascii(plain)))).toEqual(ascii(plain));
    }
  });

  it('uses the URL-safe alphabet without padding for base64url', () => {
    expect(base64url_encode(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(base64_encode(new Uint8Array([0xfb, 0xff]))).toBe('+/8=');
  });

  it('rejects non-canonical base64', () => {
    expect(() => base64_decode('Zg')).toThrow(/multiple of 4/);
    expect(() => base64_decode('Zh==')).toThrow(/padding bits/);
    expect(() => base64_decode('Z!==')).toThrow(/invalid character/);
    expect(() => base64url_decode('Zg==')).toThrow(/invalid character/);
    expect(() => base64url_decode('Z')).toThrow(/impossible length/);
  });

  it('rejects bad hex', () => {
    expect(() => hex_decode('abc')).toThrow(/odd/);
    expect(() => hex_decode('zz')).toThrow(/not a hex digit/);
  });

  it('decodes only valid UTF-8', () => {
    expect(utf8_decode(utf8_encode('€ ok'))).toBe('€ ok');
    expect(() => utf8_decode(new Uint8Array([0xc0, 0x80]))).toThrow(/not valid UTF-8/);
  });

  it('compares bytes', () => {
    expect(bytes_equal(ascii('abc'), ascii('abc'))).toBe(true);
    expect(bytes_equal(ascii('abc'), ascii('abd'))).toBe(false);
    expect(bytes_equal(ascii('abc'), ascii('ab'))).toBe(false);
  });
});
