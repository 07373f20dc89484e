import { describe, expect, it } from 'vitest';
import { delta_content } from './enclave_backend';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('chat API stream-deltas (docs/protocol.md 16.2)', () => {
  it('reads the content of a delta', () => {
    expect(delta_content(bytes('{"content":"Once upon"}'))).toBe('Once upon');
    expect(delta_content(bytes('{"content":""}'))).toBe('');
  });

  it('refuses anything else', () => {
    expect(() => delta_content(bytes('Once upon'))).toThrow(/not JSON/);
    expect(() => delta_content(bytes('{"text":"x"}'))).toThrow(/without "content"/);
    expect(() => delta_content(bytes('null'))).toThrow(/without "content"/);
    expect(() => delta_content(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(/not JSON/);
  });
});
