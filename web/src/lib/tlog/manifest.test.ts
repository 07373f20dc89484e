import { describe, expect, it } from 'vitest';
import { hex_encode } from '../bytes/encoding';
import { parse_canonical_json } from './canonical_json';
import { fixture_bytes } from './fixture.test_support';
import { allows_snp_measurement, parse_manifest } from './manifest';
import { parse_release_proof } from './release_proof';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('canonical JSON (RFC 8785, integers only)', () => {
  it('accepts keys in the RFC 8785 section 3.2.3 sorting example order', () => {
    // The RFC's keys, sorted by UTF-16 code units: "\r", "1", U+0080, U+00F6, U+20AC, U+1F600, U+FB33.
    const text = '{"\\r":1,"1":2,"\u0080":3,"\u00f6":4,"\u20ac":5,"\u{1f600}":6,"\ufb33":7}';
    const value = parse_canonical_json(utf8(text));
    expect(value instanceof Map && [...value.values()]).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const swapped = '{"\u20ac":5,"\u{1f600}":6,"\ufb33":7,"\u00f6":4}';
    expect(() => parse_canonical_json(utf8(swapped))).toThrow(/ascending order/);
  });

  it.each([
    ['whitespace', '{"a": 1}'],
    ['a duplicate key', '{"a":1,"a":2}'],
    ['a leading zero', '[01]'],
    ['minus zero', '[-0]'],
    ['a fraction', '[1.0]'],
    ['an exponent', '[1e3]'],
    ['an integer beyond 2^53 - 1', '[9007199254740992]'],
    ['a needless \\u escape', '["\\u0041"]'],
    ['\\u where a short escape exists', '["\\u000a"]'],
    ['an escaped slash', '["\\/"]'],
    ['an unescaped control character', '["a\tb"]'],
    ['trailing bytes', '{}{}'],
    ['nesting beyond 16 levels', '['.repeat(17) + ']'.repeat(17)],
  ])('rejects %s', (_name, text) => {
    expect(() => parse_canonical_json(utf8(text))).toThrow();
  });

  it('accepts the canonical forms', () => {
    expect(parse_canonical_json(utf8('[9007199254740991,-9007199254740991,"\\u001f\\n",true,null]'))).toEqual([
      9007199254740991, -9007199254740991, '\u001f\n', true, null,
    ]);
  });
});

describe('release manifests', () => {
  const manifest_bytes = parse_release_proof(fixture_bytes('release-a.proof')).manifest;

  it('reads the manifest cloister-log wrote', () => {
    const manifest = parse_manifest(manifest_bytes);
    expect(manifest.version).toBe('0.1.0');
    expect(manifest.source_commit).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(manifest.models.map((m) => [m.name, hex_encode(m.sha256)])).toEqual([
      ['stories260K', '270cba1b0000000000000000000000000000000000000000000000000000256d'],
    ]);
    expect([...manifest.engine_settings]).toEqual([
      ['context', 2048],
      ['temperature_milli', 0],
    ]);
    expect(manifest.simulated_measurements.length).toBe(1);
    // make_tlog_fixture.sh lists the SNP measurement 00..07 (48 bytes).
    const listed = new Uint8Array(48);
    listed[47] = 7;
    expect(allows_snp_measurement(manifest, listed)).toBe(true);
    listed[47] = 8;
    expect(allows_snp_measurement(manifest, listed)).toBe(false);
  });

  const edit = (from: string, to: string) => utf8(new TextDecoder().decode(manifest_bytes).replace(from, to));

  it.each([
    ['an unknown field', '"version":"0.1.0"', '"version":"0.1.0","zzz":1', /zzz: is not a known field/],
    ['a missing field', '"source_commit":"0123456789abcdef0123456789abcdef01234567",', '', /source_commit: is missing/],
    ['upper-case hex', '"sha256":"270cba1b', '"sha256":"270CBA1B', /lower-case hex/],
    ['another format', 'release-manifest/v1', 'release-manifest/v2', /is not cloister\/release-manifest\/v1/],
    ['non-canonical JSON', '"version":"0.1.0"', '"version": "0.1.0"', /not canonical JSON/],
  ])('rejects %s', (_name, from, to, reason) => {
    expect(() => parse_manifest(edit(from, to))).toThrow(reason);
  });
});
