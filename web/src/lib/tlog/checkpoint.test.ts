import { describe, expect, it } from 'vitest';
import { base64_encode } from '../bytes/encoding';
import { parse_checkpoint_text, parse_decimal, parse_tlog_proof } from './checkpoint';
import { parse_note } from './note';

// The example checkpoint of c2sp.org/tlog-checkpoint.
const kSpecCheckpoint =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
  '\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';

describe('checkpoints (c2sp.org/tlog-checkpoint)', () => {
  it('parses the spec example', () => {
    const checkpoint = parse_checkpoint_text(parse_note(kSpecCheckpoint).text);
    expect(checkpoint.origin).toBe('example.com/behind-the-sofa');
    expect(checkpoint.size).toBe(20852163n);
    expect(base64_encode(checkpoint.root)).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(checkpoint.extensions).toEqual([]);
  });

  it.each([
    ['an empty origin', '\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n', /origin is empty/],
    ['a leading zero', 'o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n', /leading zeros/],
    ['a short root', 'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n', /base64 SHA-256/],
    ['an empty extension', 'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n', /extension line is empty/],
    ['a missing newline', 'o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', /does not end in a newline/],
  ])('rejects %s', (_name, text, reason) => {
    expect(() => parse_checkpoint_text(text)).toThrow(reason);
  });

  it('parses 64-bit sizes exactly and no further', () => {
    expect(parse_decimal('18446744073709551615', 'size')).toBe(2n ** 64n - 1n);
    expect(() => parse_decimal('18446744073709551616', 'size')).toThrow(/too large/);
    expect(() => parse_decimal('-1', 'size')).toThrow(/decimal/);
  });
});

describe('tlog proofs (c2sp.org/tlog-proof)', () => {
  const hash = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
  it('parses extra data, index, hashes and the checkpoint', () => {
    const proof = parse_tlog_proof(`c2sp.org/tlog-proof@v1\nextra AAE=\nindex 5\n${hash}\n${hash}\n\n${kSpecCheckpoint}`);
    expect(proof.extra).toEqual(new Uint8Array([0, 1]));
    expect(proof.index).toBe(5n);
    expect(proof.inclusion.length).toBe(2);
    expect(proof.checkpoint).toBe(kSpecCheckpoint);
  });

  it('rejects a wrong header, a missing index and too many hashes', () => {
    expect(() => parse_tlog_proof(`c2sp.org/tlog-proof@v2\nindex 5\n\n${kSpecCheckpoint}`)).toThrow(/does not start/);
    expect(() => parse_tlog_proof(`c2sp.org/tlog-proof@v1\n${hash}\n\n${kSpecCheckpoint}`)).toThrow(/no index/);
    const many = `${hash}\n`.repeat(64);
    expect(() => parse_tlog_proof(`c2sp.org/tlog-proof@v1\nindex 5\n${many}\n${kSpecCheckpoint}`)).toThrow(/too many/);
  });
});
