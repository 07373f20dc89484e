// An append-only byte builder, the twin of base/bytes.h's ByteWriter.
import { CloisterError } from '../errors';
import { utf8_encode } from './encoding';

export class ByteWriter {
  private buffer = new Uint8Array(64);
  private length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    const start = this.length;
    this.length += n;
    return start;
  }

  private uint(value: number, width: number, big_endian: boolean): this {
    if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** (8 * width)) {
      throw new CloisterError('invalid_argument', `${value} does not fit in ${width} bytes`);
    }
    const start = this.reserve(width);
    for (let i = 0; i < width; i++) {
      const byte = Math.floor(value / 2 ** (8 * i)) % 256;
      this.buffer[start + (big_endian ? width - 1 - i : i)] = byte;
    }
    return this;
  }

  u8(value: number): this {
    return this.uint(value, 1, true);
  }
  u16be(value: number): this {
    return this.uint(value, 2, true);
  }
  u16le(value: number): this {
    return this.uint(value, 2, false);
  }
  u24be(value: number): this {
    return this.uint(value, 3, true);
  }
  u32be(value: number): this {
    return this.uint(value, 4, true);
  }
  u32le(value: number): this {
    return this.uint(value, 4, false);
  }
  // Writes a 64-bit big-endian integer (0 <= value < 2^64).
  u64be(value: bigint | number): this {
    const v = BigInt(value);
    if (v < 0n || v >= 1n << 64n) throw new CloisterError('invalid_argument', `${v} does not fit in 8 bytes`);
    this.u32be(Number(v >> 32n));
    return this.u32be(Number(v & 0xffffffffn));
  }
  bytes(data: Uint8Array): this {
    const start = this.reserve(data.length);
    this.buffer.set(data, start);
    return this;
  }
  // Writes the UTF-8 bytes of `text`, with no length or terminator.
  string(text: string): this {
    return this.bytes(utf8_encode(text));
  }

  // Writes `body` preceded by its big-endian length in `width` bytes.
  prefixed(width: 1 | 2 | 3 | 4, body: Uint8Array): this {
    if (body.length >= 2 ** (8 * width)) {
      throw new CloisterError('invalid_argument', `${body.length} bytes do not fit a ${width}-byte length`);
    }
    this.uint(body.length, width, true);
    return this.bytes(body);
  }

  get size(): number {
    return this.length;
  }

  // Returns a copy of the bytes written so far.
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

// Returns the concatenation of `parts`.
export function concat(...parts: Uint8Array[]): Uint8Array {
  const writer = new ByteWriter();
  for (const part of parts) writer.bytes(part);
  return writer.finish();
}
