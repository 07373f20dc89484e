// Recovery codes, the twin of client/keys/recovery_code.h: 128 bits of
// entropy plus a 32-bit checksum, written as 32 Crockford base32 characters in
// eight groups of four. Parsing ignores case, spaces and dashes and reads O as
// 0 and I/L as 1; the checksum catches a typo before the host is asked.
import { ByteWriter } from '../bytes/writer';
import { bytes_equal } from '../bytes/encoding';
import { random_bytes, sha256 } from '../crypto/webcrypto';
import { CloisterError } from '../errors';

export const kRecoveryEntropySize = 16;
const kCrockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const kChecksumSize = 4;
const kCodeBytes = kRecoveryEntropySize + kChecksumSize; // 20 bytes = 32 characters
const kCodeDigits = (kCodeBytes * 8) / 5;

async function checksum(entropy: Uint8Array): Promise<Uint8Array> {
  const digest = await sha256(new ByteWriter().string('cloister/v1/recovery-checksum').bytes(entropy).finish());
  return digest.subarray(0, kChecksumSize);
}

function crockford_value(c: string): number {
  let upper = c.toUpperCase();
  if (upper === 'O') upper = '0';
  if (upper === 'I' || upper === 'L') upper = '1';
  return upper.length === 1 ? kCrockford.indexOf(upper) : -1;
}

// Returns a fresh recovery code's entropy.
export function generate_recovery_entropy(): Uint8Array {
  return random_bytes(kRecoveryEntropySize);
}

// Formats entropy (16 bytes) as a recovery code.
export async function format_recovery_code(entropy: Uint8Array): Promise<string> {
  if (entropy.length !== kRecoveryEntropySize) {
    throw new CloisterError('invalid_argument', 'recovery entropy is 16 bytes');
  }
  const raw = new ByteWriter().bytes(entropy).bytes(await checksum(entropy)).finish();
  let code = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of raw) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      if (code.length > 0 && (code.length + 1) % 5 === 0) code += '-';
      code += kCrockford[(buffer >> bits) & 0x1f]!;
    }
  }
  raw.fill(0);
  return code;
}

// Parses a recovery code into its entropy. Throws invalid_argument on a wrong
// length, a bad character or a checksum mismatch (a typo).
export async function parse_recovery_code(code: string): Promise<Uint8Array> {
  const raw = new Uint8Array(kCodeBytes);
  let out = 0;
  let buffer = 0;
  let bits = 0;
  let digits = 0;
  for (const c of code) {
    if (c === '-' || c === ' ') continue;
    const value = crockford_value(c);
    if (value < 0) throw new CloisterError('invalid_argument', `recovery code has an invalid character '${c}'`);
    if (++digits > kCodeDigits) continue; // too long: counted, reported below
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      raw[out++] = (buffer >> bits) & 0xff;
    }
  }
  if (digits !== kCodeDigits) {
    throw new CloisterError(
      'invalid_argument',
      `a recovery code has 32 characters (8 groups of 4); this one has ${digits}`,
    );
  }
  const entropy = raw.slice(0, kRecoveryEntropySize);
  const matches = bytes_equal(await checksum(entropy), raw.subarray(kRecoveryEntropySize));
  raw.fill(0);
  if (!matches) throw new CloisterError('invalid_argument', 'recovery code checksum mismatch: check for typos');
  return entropy;
}
