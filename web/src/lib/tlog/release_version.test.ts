// Release versions against the Semantic Versioning 2.0.0 specification
// (semver.org): its precedence examples (section 11) and its grammar, as the
// C++ tlog/release_version_test.cc checks them.
import { describe, expect, it } from 'vitest';
import { is_error } from '../errors';
import { compare_precedence, kMaxReleaseVersionSize, parse_release_version } from './release_version';

const order = (a: string, b: string) => Math.sign(compare_precedence(parse_release_version(a), parse_release_version(b)));

describe('release versions (semver.org 2.0.0)', () => {
  it("follows the specification's precedence examples", () => {
    const chains = [
      ['1.0.0', '2.0.0', '2.1.0', '2.1.1'],
      ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'],
    ];
    for (const chain of chains) {
      chain.forEach((a, i) => chain.forEach((b, j) => expect(order(a, b), `${a} vs ${b}`).toBe(Math.sign(i - j))));
    }
  });

  it('ignores build metadata and compares numbers as numbers', () => {
    expect(order('1.0.0+20130313144700', '1.0.0')).toBe(0);
    expect(order('1.0.0-beta+exp.sha.5114f85', '1.0.0-beta')).toBe(0);
    expect(order('1.9.0', '1.10.0')).toBe(-1);
    expect(order('1.0.0-rc.9', '1.0.0-rc.10')).toBe(-1);
    expect(order('1.0.0-2', '1.0.0-a')).toBe(-1);
    expect(order('18446744073709551615.0.0', '18446744073709551614.9.9')).toBe(1);
    expect(parse_release_version('0.1.0-enclave').prerelease).toEqual(['enclave']);
  });

  it.each([
    '', '1', '1.0', '1.0.0.0', 'v1.0.0', '01.0.0', '1.00.0', '1.0.0-', '1.0.0-01', '1.0.0-alpha..1', '1.0.0+',
    '1.0.0+a..b', '1.0.0-al_pha', '1.0.0 ', ' 1.0.0', '1.-1.0', '18446744073709551616.0.0', '1.0.0-\u00e9',
    '1'.repeat(kMaxReleaseVersionSize + 1),
  ])('refuses %j', (bad) => {
    let thrown: unknown = null;
    try {
      parse_release_version(bad);
    } catch (e) {
      thrown = e;
    }
    expect(is_error(thrown, 'malformed')).toBe(true);
    expect((thrown as Error).message).toMatch(/release version/);
  });

  it('allows leading zeros in build metadata only', () => {
    expect(parse_release_version('1.0.0+001').build).toBe('001');
  });
});
