// Release versions as Semantic Versioning 2.0.0 (semver.org) defines them, the
// same grammar and precedence as tlog/release_version.h: a client's floor on
// releases is how trust in a logged one ends, since it stays in the log.
import { CloisterError } from '../errors';

export const kMaxReleaseVersionSize = 256;

export interface ReleaseVersion {
  major: bigint;
  minor: bigint;
  patch: bigint;
  prerelease: string[];
  build: string;
}

const kNumber = /^(0|[1-9][0-9]*)$/;
const kIdentifier = /^[0-9A-Za-z-]+$/;
const kDigits = /^[0-9]+$/;
const kMaxNumber = (1n << 64n) - 1n;

function malformed(text: string, why: string): CloisterError {
  return new CloisterError('malformed', `release version "${text}" is not a semantic version: ${why}`);
}

function check_identifiers(text: string, identifiers: string[], numbers_strict: boolean, part: string): void {
  for (const identifier of identifiers) {
    if (identifier === '') throw malformed(text, `an empty ${part} identifier`);
    if (!kIdentifier.test(identifier)) throw malformed(text, `a ${part} identifier may hold only ASCII letters, digits and '-'`);
    if (numbers_strict && identifier.length > 1 && identifier.startsWith('0') && kDigits.test(identifier)) {
      throw malformed(text, `a numeric ${part} identifier has a leading zero`);
    }
  }
}

function parse_number(text: string, digits: string, name: string): bigint {
  if (!kDigits.test(digits)) throw malformed(text, `${name} is not a number`);
  if (!kNumber.test(digits)) throw malformed(text, `${name} has a leading zero`);
  const value = BigInt(digits);
  if (value > kMaxNumber) throw malformed(text, `${name} is too large`);
  return value;
}

// Parses MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]; throws `malformed` otherwise.
export function parse_release_version(text: string): ReleaseVersion {
  if (text.length > kMaxReleaseVersionSize) {
    throw new CloisterError('malformed', `release version is longer than ${kMaxReleaseVersionSize} bytes`);
  }
  let rest = text;
  let build = '';
  const plus = rest.indexOf('+');
  if (plus >= 0) {
    build = rest.slice(plus + 1);
    check_identifiers(text, build.split('.'), false, 'build');
    rest = rest.slice(0, plus);
  }
  let prerelease: string[] = [];
  const dash = rest.indexOf('-');
  if (dash >= 0) {
    prerelease = rest.slice(dash + 1).split('.');
    check_identifiers(text, prerelease, true, 'pre-release');
    rest = rest.slice(0, dash);
  }
  const core = rest.split('.');
  if (core.length !== 3) throw malformed(text, 'it needs MAJOR.MINOR.PATCH');
  return {
    major: parse_number(text, core[0]!, 'MAJOR'),
    minor: parse_number(text, core[1]!, 'MINOR'),
    patch: parse_number(text, core[2]!, 'PATCH'),
    prerelease,
    build,
  };
}

function sign(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compare_identifiers(a: string, b: string): number {
  const a_numeric = kDigits.test(a);
  const b_numeric = kDigits.test(b);
  if (a_numeric && b_numeric) return sign(BigInt(a), BigInt(b));
  if (a_numeric !== b_numeric) return a_numeric ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

// Semantic Versioning's precedence: negative, zero or positive as `a` comes
// before, with, or after `b`; build metadata is ignored.
export function compare_precedence(a: ReleaseVersion, b: ReleaseVersion): number {
  const core = sign(a.major, b.major) || sign(a.minor, b.minor) || sign(a.patch, b.patch);
  if (core !== 0) return core;
  // A pre-release comes before its version.
  if ((a.prerelease.length === 0) !== (b.prerelease.length === 0)) return a.prerelease.length === 0 ? 1 : -1;
  const shared = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < shared; i++) {
    const order = compare_identifiers(a.prerelease[i]!, b.prerelease[i]!);
    if (order !== 0) return order;
  }
  return a.prerelease.length - b.prerelease.length;
}
