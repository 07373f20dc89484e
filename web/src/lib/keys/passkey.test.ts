import { describe, expect, it } from 'vitest';
import { hex_encode } from '../bytes/encoding';
import { h, load_cpp_keys } from './cpp_fixture.test_support';
import { assertion_options, passkey_slot_keys, read_prf_output, registration_options } from './passkey';

const cpp = load_cpp_keys();

describe('passkey PRF usage', () => {
  it('asks for PRF on the input "cloister/v1/prf", as the CLI salts hmac-secret', () => {
    const create = registration_options('example.com', 'me', new Uint8Array(16));
    const first = create.publicKey!.extensions!.prf!.eval!.first as ArrayBuffer | Uint8Array;
    expect(new TextDecoder().decode(first)).toBe('cloister/v1/prf');
    expect(create.publicKey!.authenticatorSelection).toEqual({ residentKey: 'required', userVerification: 'required' });
    const get = assertion_options('example.com');
    expect(new TextDecoder().decode(get.publicKey!.extensions!.prf!.eval!.first as Uint8Array)).toBe('cloister/v1/prf');
  });

  it('turns the PRF output into the passkey slot keys the C++ client derives', async () => {
    const keys = await passkey_slot_keys(h(cpp.passkey.material));
    expect(hex_encode(keys.lookup_id)).toBe(cpp.passkey.lookup_id);
    expect(hex_encode(keys.wrapping_key)).toBe(cpp.passkey.wrapping_key);
  });

  it('reads a 32-byte PRF output and refuses any other size', () => {
    const output = new Uint8Array(32).fill(9);
    expect(read_prf_output({ prf: { enabled: true, results: { first: output.buffer } } })).toEqual(output);
    expect(read_prf_output({ prf: { enabled: true } })).toBeNull();
    expect(read_prf_output({})).toBeNull();
    expect(() => read_prf_output({ prf: { results: { first: new Uint8Array(31) } } })).toThrow(/31 bytes, not 32/);
  });
});
