// C2SP signed notes (c2sp.org/signed-note) as a client verifies them: parsing,
// verifier keys ("vkeys"), key ids, Ed25519 signatures (type 0x01, logs) and
// cosignature/v1 (type 0x04, c2sp.org/tlog-cosignature, witnesses). The twin
// of tlog/note.h's verifying half.
import { ByteReader } from '../bytes/reader';
import { ByteWriter } from '../bytes/writer';
import { base64_decode, hex_decode, utf8_decode, utf8_encode } from '../bytes/encoding';
import { ed25519_verify } from '../crypto/ed25519';
import { sha256 } from '../crypto/webcrypto';
import { CloisterError } from '../errors';

export const kMaxNoteSize = 64 * 1024;
export const kMaxNoteSignatures = 64;
const kEmDashSpace = '\u2014 ';
const kMaxTimestamp = (1n << 63n) - 1n;

export enum KeyType {
  Ed25519 = 0x01,
  CosignatureV1 = 0x04,
}

export interface NoteSignature {
  name: string;
  key_id: number;
  signature: Uint8Array; // the bytes after the key id
}

export interface Note {
  text: string; // ends with a newline
  signatures: NoteSignature[];
}

function malformed(message: string): CloisterError {
  return new CloisterError('malformed', message);
}

function is_unicode_space(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    c === 0x20 ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

// Returns true if `name` is a usable key name: non-empty, no Unicode spaces,
// no '+', no control characters.
export function is_valid_key_name(name: string): boolean {
  if (name.length === 0) return false;
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f || ch === '+' || is_unicode_space(c)) return false;
  }
  return true;
}

function is_note_text(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if ((c < 0x20 && c !== 0x0a) || c === 0x7f) return false;
  }
  return true;
}

function parse_signature_line(line: string): NoteSignature {
  if (!line.startsWith(kEmDashSpace)) throw malformed('note signature line does not start with an em dash and a space');
  const rest = line.slice(kEmDashSpace.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw malformed('note signature line has no signature');
  const name = rest.slice(0, space);
  if (!is_valid_key_name(name)) throw malformed('note signature has an invalid key name');
  let blob: Uint8Array;
  try {
    blob = base64_decode(rest.slice(space + 1));
  } catch {
    throw malformed('note signature is not valid base64');
  }
  const reader = new ByteReader(blob);
  const key_id = reader.u32be('note signature key id');
  if (reader.empty) throw malformed('note signature is empty');
  return { name, key_id, signature: reader.rest() };
}

// Parses signature lines, each ending in a newline.
export function parse_signature_lines(lines: string): NoteSignature[] {
  if (lines.length === 0) throw malformed('note has no signatures');
  if (!lines.endsWith('\n')) throw malformed('note does not end with a newline');
  const out: NoteSignature[] = [];
  for (const line of lines.slice(0, -1).split('\n')) {
    if (out.length === kMaxNoteSignatures) {
      throw new CloisterError('resource_exhausted', `note has more than ${kMaxNoteSignatures} signatures`);
    }
    out.push(parse_signature_line(line));
  }
  return out;
}

// Parses a signed note given as bytes (strict UTF-8) or text.
export function parse_note(encoded: Uint8Array | string): Note {
  const bytes = typeof encoded === 'string' ? utf8_encode(encoded) : encoded;
  if (bytes.length > kMaxNoteSize) {
    throw new CloisterError('resource_exhausted', `note is larger than ${kMaxNoteSize} bytes`);
  }
  const text = typeof encoded === 'string' ? encoded : utf8_decode(bytes, 'note');
  if (!is_note_text(text)) throw malformed('note is not UTF-8 text without control characters');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no blank line before signatures');
  return { text: text.slice(0, split + 1), signatures: parse_signature_lines(text.slice(split + 2)) };
}

// Returns SHA-256(name || "\n" || type || public_key)[:4] as a big-endian integer.
export async function compute_key_id(name: string, type: KeyType, public_key: Uint8Array): Promise<number> {
  const digest = await sha256(new ByteWriter().string(name).u8(0x0a).u8(type).bytes(public_key).finish());
  return new ByteReader(digest).u32be('key id');
}

// Returns the message a cosignature/v1 signs.
export function cosignature_message(text: string, timestamp: bigint): string {
  return `cosignature/v1\ntime ${timestamp}\n${text}`;
}

// A pinned public key that verifies note signatures.
export class NoteVerifier {
  private constructor(
    readonly name: string,
    readonly type: KeyType,
    readonly public_key: Uint8Array,
    readonly key_id: number,
  ) {}

  // Parses a vkey "<name>+<hex key id>+base64(type || public key)". Throws
  // malformed, unsupported (key type) or rejected (key id mismatch).
  static async parse(vkey: string): Promise<NoteVerifier> {
    const first = vkey.indexOf('+');
    const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
    if (second < 0) throw malformed('vkey is not name+id+key');
    const name = vkey.slice(0, first);
    if (!is_valid_key_name(name)) throw malformed('vkey has an invalid key name');
    const id_hex = vkey.slice(first + 1, second);
    if (!/^[0-9a-f]{8}$/.test(id_hex)) throw malformed('key id must be 8 lower-case hex digits');
    const id = new ByteReader(hex_decode(id_hex)).u32be('key id');
    let material: Uint8Array;
    try {
      material = base64_decode(vkey.slice(second + 1));
    } catch {
      throw malformed('vkey key material is not valid base64');
    }
    const reader = new ByteReader(material);
    const type = reader.u8('vkey type');
    if (type !== KeyType.Ed25519 && type !== KeyType.CosignatureV1) {
      throw new CloisterError('unsupported', `vkey type ${type} is not supported`);
    }
    const public_key = reader.bytes(32, 'vkey Ed25519 public key');
    reader.expect_end('vkey');
    const computed = await compute_key_id(name, type, public_key);
    if (computed !== id) throw new CloisterError('rejected', 'vkey key id does not match its name and key');
    return new NoteVerifier(name, type, public_key, id);
  }

  // Returns true if `signature` claims to be by this key (same name and id).
  matches(signature: NoteSignature): boolean {
    return signature.name === this.name && signature.key_id === this.key_id;
  }

  // Returns true if `signature` (the bytes after the key id) is valid over `text`.
  async verify(text: string, signature: Uint8Array): Promise<boolean> {
    if (this.type === KeyType.Ed25519) return ed25519_verify(this.public_key, utf8_encode(text), signature);
    if (signature.length !== 8 + 64) return false;
    const reader = new ByteReader(signature);
    const timestamp = reader.u64be('cosignature timestamp');
    if (timestamp > kMaxTimestamp) return false;
    return ed25519_verify(this.public_key, utf8_encode(cosignature_message(text, timestamp)), reader.rest());
  }
}

// Returns the positions in `known` of the keys whose signatures on `note`
// verify. Unknown keys are ignored; a signature that claims a known key but
// does not verify throws `rejected`.
export async function verified_signers(note: Note, known: readonly NoteVerifier[]): Promise<number[]> {
  const verified: number[] = [];
  for (const signature of note.signatures) {
    for (const [i, key] of known.entries()) {
      if (!key.matches(signature)) continue;
      if (!(await key.verify(note.text, signature.signature))) {
        throw new CloisterError('rejected', `signature by ${key.name} is invalid`);
      }
      if (!verified.includes(i)) verified.push(i);
    }
  }
  return verified;
}
