import { describe, expect, it } from 'vitest';
import { hex_encode } from '../../lib/bytes/encoding';
import { host_error, sign_in_message } from './host_client';
import { parse_version_tag } from './host_stores';

describe('host API client', () => {
  it('signs in over the message docs/deployment.md specifies', () => {
    // "cloister-host/sign-in/v1" || 0x00 || u16be(5) || "https" || challenge || public key, written out by hand.
    const message = sign_in_message('https', new Uint8Array([0xc1, 0xc2]), new Uint8Array([0xaa]));
    expect(hex_encode(message)).toBe(
      Buffer.from('cloister-host/sign-in/v1').toString('hex') + '00' + '0005' + Buffer.from('https').toString('hex') + 'c1c2' + 'aa',
    );
  });

  it('reads versions only from well-formed entity tags', () => {
    expect(parse_version_tag('"3"')).toBe(3);
    for (const bad of [null, '3', '"03"', '"0"', 'W/"3"', '"1e3"']) expect(() => parse_version_tag(bad)).toThrow(/is not a version/);
  });

  it("names the host's error type and message", () => {
    const body = new TextEncoder().encode('{"error":{"type":"rejected","message":"last slot"}}');
    expect(host_error({ status: 409, headers: new Headers(), body }).message).toBe('host: rejected: last slot (HTTP 409)');
    expect(host_error({ status: 502, headers: new Headers(), body: new Uint8Array(0) }).message).toBe('host: HTTP 502');
  });
});
