// C2SP checkpoints (c2sp.org/tlog-checkpoint) and tlog proofs
// (c2sp.org/tlog-proof), the twin of tlog/checkpoint.h's parsing half.
import { base64_decode } from '../bytes/encoding';
import { CloisterError } from '../errors';
import { type Hash, kHashSize, kMaxProofHashes } from './merkle';
import { kMaxNoteSize, parse_note } from './note';

const kTlogProofHeader = 'c2sp.org/tlog-proof@v1';
export const kMaxTlogProofSize = kMaxNoteSize + 8 * 1024;

export interface Checkpoint {
  origin: string;
  size: bigint;
  root: Hash;
  extensions: string[];
}

export interface TlogProof {
  extra: Uint8Array | null;
  index: bigint;
  inclusion: Hash[];
  checkpoint: string; // the signed checkpoint note, verbatim
}

function malformed(message: string): CloisterError {
  return new CloisterError('malformed', message);
}

// Splits text into newline-terminated lines; throws if the last has no newline.
class LineReader {
  private position = 0;
  constructor(private readonly text: string) {}

  get empty(): boolean {
    return this.position === this.text.length;
  }
  get rest(): string {
    return this.text.slice(this.position);
  }

  next(what: string): string {
    const end = this.text.indexOf('\n', this.position);
    if (end < 0) throw malformed(`${what} does not end in a newline`);
    const line = this.text.slice(this.position, end);
    this.position = end + 1;
    return line;
  }
}

// Parses a decimal unsigned 64-bit integer without leading zeros or sign.
export function parse_decimal(text: string, what: string): bigint {
  if (!/^(0|[1-9][0-9]{0,19})$/.test(text)) throw malformed(`${what} is not a decimal number without leading zeros`);
  const value = BigInt(text);
  if (value >= 1n << 64n) throw malformed(`${what} is too large`);
  return value;
}

function parse_hash(text: string, what: string): Hash {
  let raw: Uint8Array;
  try {
    raw = base64_decode(text);
  } catch {
    raw = new Uint8Array(0);
  }
  if (raw.length !== kHashSize) throw malformed(`${what} is not a base64 SHA-256 hash`);
  return raw;
}

// Parses checkpoint note text: origin, size, base64 root, extension lines.
export function parse_checkpoint_text(text: string): Checkpoint {
  const lines = new LineReader(text);
  const origin = lines.next('checkpoint origin');
  if (origin.length === 0) throw malformed('checkpoint origin is empty');
  const size = parse_decimal(lines.next('checkpoint size'), 'checkpoint size');
  const root = parse_hash(lines.next('checkpoint root hash'), 'checkpoint root hash');
  const extensions: string[] = [];
  while (!lines.empty) {
    const line = lines.next('checkpoint extension');
    if (line.length === 0) throw malformed('checkpoint extension line is empty');
    extensions.push(line);
  }
  return { origin, size, root, extensions };
}

// Parses a c2sp.org/tlog-proof@v1 text (the checkpoint is parsed, not verified).
export function parse_tlog_proof(text: string): TlogProof {
  if (text.length > kMaxTlogProofSize) throw new CloisterError('resource_exhausted', 'tlog proof is too large');
  const lines = new LineReader(text);
  if (lines.next('tlog proof header') !== kTlogProofHeader) {
    throw malformed(`tlog proof does not start with ${kTlogProofHeader}`);
  }
  let line = lines.next('tlog proof');
  let extra: Uint8Array | null = null;
  if (line.startsWith('extra ')) {
    try {
      extra = base64_decode(line.slice(6));
    } catch {
      throw malformed('tlog proof extra data is not valid base64');
    }
    line = lines.next('tlog proof index');
  }
  if (!line.startsWith('index ')) throw malformed('tlog proof has no index line');
  const index = parse_decimal(line.slice(6), 'tlog proof index');
  const inclusion: Hash[] = [];
  for (;;) {
    line = lines.next('tlog proof');
    if (line.length === 0) break;
    if (inclusion.length === kMaxProofHashes) throw malformed('tlog proof has too many hashes');
    inclusion.push(parse_hash(line, 'tlog proof hash'));
  }
  const checkpoint = lines.rest;
  parse_checkpoint_text(parse_note(checkpoint).text);
  return { extra, index, inclusion, checkpoint };
}
