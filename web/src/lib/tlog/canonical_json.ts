// Canonical JSON (RFC 8785 JCS restricted to integers) as the release
// manifest uses it: the parser accepts only text that is already canonical,
// so a manifest has exactly one encoding. The twin of tlog/canonical_json.h.
import { utf8_decode } from '../bytes/encoding';
import { CloisterError } from '../errors';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export type JsonObject = Map<string, Json>;

export const kMaxJsonInteger = 2 ** 53 - 1;
export const kMaxJsonDepth = 16;

const kShortEscapes: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['b', '\b'],
  ['t', '\t'],
  ['n', '\n'],
  ['f', '\f'],
  ['r', '\r'],
]);
const kHasShortEscape = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

class CanonicalParser {
  private position = 0;
  constructor(private readonly text: string) {}

  private malformed(what: string, problem: string): CloisterError {
    return new CloisterError('malformed', `${what} at character ${this.position}: ${problem}`);
  }

  private peek(what: string): string {
    const c = this.text[this.position];
    if (c === undefined) throw this.malformed(what, 'unexpected end of input');
    return c;
  }

  private expect(wanted: string, what: string): void {
    if (this.peek(what) !== wanted) throw this.malformed(what, `expected '${wanted}'`);
    this.position++;
  }

  document(): Json {
    const value = this.value(0);
    if (this.position !== this.text.length) throw this.malformed('JSON', 'trailing characters after the value');
    return value;
  }

  private value(depth: number): Json {
    const c = this.peek('JSON value');
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.integer();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return value;
      }
    }
    throw this.malformed('JSON value', 'unexpected character (whitespace is not canonical)');
  }

  private integer(): number {
    const match = /^-?[0-9]+/.exec(this.text.slice(this.position, this.position + 20));
    if (match === null) throw this.malformed('JSON number', "'-' without digits");
    const digits = match[0].replace('-', '');
    if (digits.length > 1 && digits.startsWith('0')) throw this.malformed('JSON number', 'leading zeros are not canonical');
    const value = Number(match[0]);
    if (!Number.isSafeInteger(value) || digits.length > 16) {
      throw this.malformed('JSON number', 'integer outside +-(2^53 - 1)');
    }
    if (match[0] === '-0') throw this.malformed('JSON number', '-0 is not canonical');
    this.position += match[0].length;
    const next = this.text[this.position];
    if (next === '.' || next === 'e' || next === 'E' || (next !== undefined && next >= '0' && next <= '9')) {
      throw this.malformed('JSON number', 'only integers are allowed');
    }
    return value;
  }

  private string(): string {
    this.expect('"', 'JSON string');
    let out = '';
    for (;;) {
      const c = this.peek('JSON string');
      this.position++;
      if (c === '"') return out;
      if (c.charCodeAt(0) < 0x20) throw this.malformed('JSON string', 'unescaped control character');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.peek('JSON escape');
      this.position++;
      const short = kShortEscapes.get(e);
      if (short !== undefined) {
        out += short;
        continue;
      }
      if (e !== 'u') throw this.malformed('JSON escape', 'escape is not canonical');
      const hex = this.text.slice(this.position, this.position + 4);
      const value = /^00[01][0-9a-f]$/.test(hex) ? parseInt(hex, 16) : -1;
      if (value < 0 || kHasShortEscape.has(value)) {
        throw this.malformed('JSON \\u escape', 'only control characters without a short escape use \\u00xx');
      }
      this.position += 4;
      out += String.fromCharCode(value);
    }
  }

  private array(depth: number): Json[] {
    if (depth > kMaxJsonDepth) throw this.malformed('JSON array', 'nested too deeply');
    this.expect('[', 'JSON array');
    const out: Json[] = [];
    if (this.peek('JSON array') === ']') {
      this.position++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      const c = this.peek('JSON array');
      this.position++;
      if (c === ']') return out;
      if (c !== ',') throw this.malformed('JSON array', "expected ',' or ']'");
    }
  }

  private object(depth: number): JsonObject {
    if (depth > kMaxJsonDepth) throw this.malformed('JSON object', 'nested too deeply');
    this.expect('{', 'JSON object');
    const out: JsonObject = new Map();
    if (this.peek('JSON object') === '}') {
      this.position++;
      return out;
    }
    let previous: string | null = null;
    for (;;) {
      const key = this.string();
      // JavaScript compares strings by UTF-16 code units: JCS's key order.
      if (previous !== null && !(previous < key)) {
        throw this.malformed(`JSON object key "${key}"`, 'keys must be unique and in ascending order');
      }
      previous = key;
      this.expect(':', 'JSON object');
      out.set(key, this.value(depth));
      const c = this.peek('JSON object');
      this.position++;
      if (c === '}') return out;
      if (c !== ',') throw this.malformed('JSON object', "expected ',' or '}'");
    }
  }
}

// Parses canonical JSON bytes; anything non-canonical throws malformed.
export function parse_canonical_json(bytes: Uint8Array): Json {
  return new CanonicalParser(utf8_decode(bytes, 'JSON')).document();
}
