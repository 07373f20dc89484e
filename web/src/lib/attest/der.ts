// The few DER forms the attestation code reads by hand (AMD's certificate
// extensions): one element with a single-byte tag, in definite minimal-length
// form, and non-negative INTEGERs. Everything goes through ByteReader.
import { ByteReader } from '../bytes/reader';

// Reads one DER element with tag `tag` and returns a reader over its contents.
export function read_der(reader: ByteReader, tag: number, what: string): ByteReader {
  const at = reader.offset;
  const actual = reader.u8(`${what} tag`);
  if (actual !== tag) {
    throw reader.malformed(what, `tag 0x${actual.toString(16)} at offset ${at}, expected 0x${tag.toString(16)}`);
  }
  let length = reader.u8(`${what} length`);
  if (length & 0x80) {
    const width = length & 0x7f;
    if (width === 0 || width > 3) throw reader.malformed(what, 'unsupported DER length form');
    length = 0;
    for (let i = 0; i < width; i++) length = length * 256 + reader.u8(`${what} length`);
    if (length < 0x80 || length < 2 ** (8 * (width - 1))) throw reader.malformed(what, 'DER length is not minimal');
  }
  return reader.sub(length, what);
}

// Reads a whole DER INTEGER that must be non-negative, minimal and <= max.
export function read_der_uint(reader: ByteReader, what: string, max: number): number {
  const contents = read_der(reader, 0x02, what);
  const bytes = contents.rest();
  if (bytes.length === 0) throw reader.malformed(what, 'empty INTEGER');
  if (bytes[0]! & 0x80) throw reader.malformed(what, 'negative INTEGER');
  if (bytes.length > 1 && bytes[0] === 0 && !(bytes[1]! & 0x80)) throw reader.malformed(what, 'INTEGER is not minimal');
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  if (value > max) throw reader.malformed(what, `INTEGER ${value} exceeds ${max}`);
  return value;
}
