import { describe, expect, it } from 'vitest';
import { is_error } from '../errors';
import { ByteReader } from './reader';
import { ByteWriter, concat } from './writer';

describe('ByteReader', () => {
  it('reads integers in both byte orders', () => {
    const r = new ByteReader(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]));
    expect(r.u8('a')).toBe(1);
    expect(r.u16be('b')).toBe(0x0203);
    expect(r.u16le('c')).toBe(0x0504);
    expect(r.u32be('d')).toBe(0x06070809);
    expect(r.u64le('e')).toBe(0x11100f0e0d0c0b0an);
    expect(r.remaining).toBe(1);
  });

  it('fails without consuming when too few bytes remain, naming field and offset', () => {
    const r = new ByteReader(new Uint8Array([1, 2, 3]));
    r.u8('first');
    let thrown: unknown;
    try {
      r.u32be('report version');
    } catch (e) {
      thrown = e;
    }
    expect(is_error(thrown, 'malformed')).toBe(true);
    expect(String(thrown)).toMatch(/report version at offset 1: needs 4 bytes, 2 left/);
    expect(r.u16be('again')).toBe(0x0203);
  });

  it('keeps offsets absolute in sub-readers and rejects overlong prefixes', () => {
    const r = new ByteReader(new Uint8Array([0, 2, 7, 8, 0, 5, 1]));
    const sub = r.u16be_prefixed('field');
    expect(sub.offset).toBe(2);
    expect(sub.u16be('x')).toBe(0x0708);
    expect(() => r.u16be_prefixed('second')).toThrow(/length 5 exceeds the 1 bytes left/);
    expect(r.remaining).toBe(3);
    expect(() => r.expect_end('record')).toThrow(/3 trailing bytes/);
  });
});

describe('ByteWriter', () => {
  it('writes what the reader reads back', () => {
    const w = new ByteWriter().u8(7).u16be(0x1234).u32le(0xdeadbeef).u64be(2n ** 63n + 5n).string('hi');
    w.prefixed(2, new Uint8Array([9, 9]));
    const r = new ByteReader(w.finish());
    expect(r.u8('a')).toBe(7);
    expect(r.u16be('b')).toBe(0x1234);
    expect(r.u32le('c')).toBe(0xdeadbeef);
    expect(r.u64be('d')).toBe(2n ** 63n + 5n);
    expect(r.bytes(2, 'e')).toEqual(new Uint8Array([104, 105]));
    expect(r.u16be_prefixed('f').rest()).toEqual(new Uint8Array([9, 9]));
    r.expect_end('all');
  });

  it('grows past its initial capacity without losing bytes', () => {
    const big = new Uint8Array(100).map((_, i) => i);
    const out = new ByteWriter().u8(255).bytes(big).bytes(big).finish();
    expect(out.length).toBe(201);
    expect(out[0]).toBe(255);
    expect(out.subarray(101)).toEqual(big);
  });

  it('refuses values that do not fit', () => {
    expect(() => new ByteWriter().u8(256)).toThrow(/does not fit/);
    expect(() => new ByteWriter().u16be(-1)).toThrow(/does not fit/);
    expect(() => new ByteWriter().prefixed(1, new Uint8Array(256))).toThrow(/do not fit/);
    expect(concat(new Uint8Array([1]), new Uint8Array([2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
  });
});
