// A bounded read cursor over untrusted bytes, the twin of base/bytes.h's
// ByteReader. Every read checks that enough bytes remain and either advances
// or throws a `malformed` error naming the field and its offset; a failed read
// consumes nothing. Nothing else in the app indexes a raw buffer by hand.
import { CloisterError } from '../errors';

export class ByteReader {
  private position = 0;

  // Reads `data`; offsets in errors are counted from `origin`.
  constructor(
    private readonly data: Uint8Array,
    private readonly origin = 0,
  ) {}

  // Returns how many unread bytes are left.
  get remaining(): number {
    return this.data.length - this.position;
  }
  get empty(): boolean {
    return this.remaining === 0;
  }
  // Returns the absolute offset of the next byte.
  get offset(): number {
    return this.origin + this.position;
  }

  // Returns a malformed error that names `what` and the current offset.
  malformed(what: string, problem: string): CloisterError {
    return new CloisterError('malformed', `${what} at offset ${this.offset}: ${problem}`);
  }

  private need(n: number, what: string): number {
    if (!Number.isSafeInteger(n) || n < 0) throw this.malformed(what, `invalid length ${n}`);
    if (n > this.remaining) {
      throw this.malformed(what, `needs ${n} bytes, ${this.remaining} left`);
    }
    const start = this.position;
    this.position += n;
    return start;
  }

  u8(what: string): number {
    return this.data[this.need(1, what)]!;
  }
  u16be(what: string): number {
    return this.uint(2, true, what);
  }
  u16le(what: string): number {
    return this.uint(2, false, what);
  }
  u24be(what: string): number {
    return this.uint(3, true, what);
  }
  u32be(what: string): number {
    return this.uint(4, true, what);
  }
  u32le(what: string): number {
    return this.uint(4, false, what);
  }
  u64be(what: string): bigint {
    const high = BigInt(this.u32be(what));
    return (high << 32n) | BigInt(this.u32be(what));
  }
  u64le(what: string): bigint {
    const low = BigInt(this.u32le(what));
    return (BigInt(this.u32le(what)) << 32n) | low;
  }

  private uint(width: number, big_endian: boolean, what: string): number {
    const start = this.need(width, what);
    let value = 0;
    for (let i = 0; i < width; i++) {
      const byte = this.data[start + (big_endian ? i : width - 1 - i)]!;
      value = value * 256 + byte;
    }
    return value;
  }

  // Reads exactly `n` bytes and returns a view of them.
  bytes(n: number, what: string): Uint8Array {
    const start = this.need(n, what);
    return this.data.subarray(start, start + n);
  }

  // Consumes `n` bytes without looking at them.
  skip(n: number, what: string): void {
    this.need(n, what);
  }

  // Reads `n` bytes as a sub-reader whose offsets stay absolute.
  sub(n: number, what: string): ByteReader {
    const origin = this.offset;
    return new ByteReader(this.bytes(n, what), origin);
  }

  // Consumes and returns every unread byte.
  rest(): Uint8Array {
    return this.bytes(this.remaining, 'rest');
  }

  // Returns the unread bytes without consuming them.
  peek_rest(): Uint8Array {
    return this.data.subarray(this.position);
  }

  // Length-prefixed fields: reads the big-endian length, then that many bytes.
  u8_prefixed(what: string): ByteReader {
    return this.prefixed(1, what);
  }
  u16be_prefixed(what: string): ByteReader {
    return this.prefixed(2, what);
  }
  u32be_prefixed(what: string): ByteReader {
    return this.prefixed(4, what);
  }

  private prefixed(width: number, what: string): ByteReader {
    const saved = this.position;
    const length = this.uint(width, true, `${what} length`);
    if (length > this.remaining) {
      const error = this.malformed(what, `length ${length} exceeds the ${this.remaining} bytes left`);
      this.position = saved;
      throw error;
    }
    return this.sub(length, what);
  }

  // Throws unless every byte has been read.
  expect_end(what: string): void {
    if (!this.empty) throw this.malformed(what, `${this.remaining} trailing bytes`);
  }
}
