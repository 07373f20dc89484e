// Text encodings of bytes: hex, base64 and base64url (RFC 4648), and strict
// UTF-8. Decoders reject anything that is not exactly the canonical form, so
// a value has one encoding (as base/encoding.h does).
import { CloisterError } from '../errors';

const kHexDigits = '0123456789abcdef';
const kBase64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const kBase64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// Returns lower-case hex.
export function hex_encode(data: Uint8Array): string {
  let out = '';
  for (const byte of data) out += kHexDigits[byte >> 4]! + kHexDigits[byte & 15]!;
  return out;
}

// Decodes hex (either case). Throws malformed on an odd length or a non-hex digit.
export function hex_decode(text: string): Uint8Array {
  if (text.length % 2 !== 0) throw new CloisterError('malformed', 'hex has an odd number of digits');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const high = kHexDigits.indexOf(text[2 * i]!.toLowerCase());
    const low = kHexDigits.indexOf(text[2 * i + 1]!.toLowerCase());
    if (high < 0 || low < 0) throw new CloisterError('malformed', `not a hex digit at position ${2 * i}`);
    out[i] = high * 16 + low;
  }
  return out;
}

function encode64(data: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  for (let i = 0; i < data.length; i += 3) {
    const chunk = data.subarray(i, i + 3);
    const n = (chunk[0]! << 16) | ((chunk[1] ?? 0) << 8) | (chunk[2] ?? 0);
    const chars = chunk.length + 1;
    for (let j = 0; j < 4; j++) {
      if (j < chars) out += alphabet[(n >> (18 - 6 * j)) & 63]!;
      else if (pad) out += '=';
    }
  }
  return out;
}

function decode64(text: string, alphabet: string, padded: boolean, what: string): Uint8Array {
  let body = text;
  if (padded) {
    if (text.length % 4 !== 0) throw new CloisterError('malformed', `${what} length is not a multiple of 4`);
    body = text.replace(/={1,2}$/, '');
  }
  if (body.length % 4 === 1) throw new CloisterError('malformed', `${what} has an impossible length`);
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let bits = 0;
  let buffer = 0;
  let written = 0;
  for (let i = 0; i < body.length; i++) {
    const value = alphabet.indexOf(body[i]!);
    if (value < 0) throw new CloisterError('malformed', `${what} has an invalid character at position ${i}`);
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[written++] = (buffer >> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) {
    throw new CloisterError('malformed', `${what} is not canonical (non-zero padding bits)`);
  }
  return out;
}

// Returns standard base64 with padding.
export function base64_encode(data: Uint8Array): string {
  return encode64(data, kBase64, true);
}
// Decodes standard, padded base64; rejects missing padding and stray bits.
export function base64_decode(text: string): Uint8Array {
  return decode64(text, kBase64, true, 'base64');
}
// Returns base64url without padding.
export function base64url_encode(data: Uint8Array): string {
  return encode64(data, kBase64url, false);
}
// Decodes unpadded base64url.
export function base64url_decode(text: string): Uint8Array {
  return decode64(text, kBase64url, false, 'base64url');
}

const kUtf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const kUtf8Encoder = new TextEncoder();

// Returns the UTF-8 bytes of `text` (lone surrogates become U+FFFD).
export function utf8_encode(text: string): Uint8Array {
  return kUtf8Encoder.encode(text);
}
// Decodes strict UTF-8; throws malformed on any invalid sequence.
export function utf8_decode(data: Uint8Array, what = 'text'): string {
  try {
    return kUtf8Decoder.decode(data);
  } catch {
    throw new CloisterError('malformed', `${what} is not valid UTF-8`);
  }
}

// Returns true if `a` and `b` hold the same bytes, looking at every byte.
export function bytes_equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}
