import { describe, expect, it } from 'vitest';
import { h, load_cpp_keys } from '../keys/cpp_fixture.test_support';
import { open_blob, seal_blob } from './blob_cipher';

const cpp = load_cpp_keys();
const key = h(cpp.history_key);
const binding = { account: h(cpp.identity_public_key), object_id: cpp.blob.object_id, version: cpp.blob.version };

describe('history blobs (twin of client/history/blob_cipher)', () => {
  it('opens the blob the C++ client sealed', async () => {
    const plaintext = await open_blob(key, binding, h(cpp.blob.sealed));
    expect(new TextDecoder().decode(plaintext)).toBe(cpp.blob.plaintext);
  });

  it('refuses the blob under another id, version or account', async () => {
    const sealed = h(cpp.blob.sealed);
    await expect(open_blob(key, { ...binding, object_id: 'conversation/other' }, sealed)).rejects.toThrow(/does not decrypt/);
    await expect(open_blob(key, { ...binding, version: 41 }, sealed)).rejects.toThrow(/does not decrypt/);
    await expect(open_blob(key, { ...binding, account: new Uint8Array(32) }, sealed)).rejects.toThrow(/does not decrypt/);
  });

  it('round-trips its own seals and rejects truncation', async () => {
    const sealed = await seal_blob(key, binding, new TextEncoder().encode('hi'));
    expect(new TextDecoder().decode(await open_blob(key, binding, sealed))).toBe('hi');
    await expect(open_blob(key, binding, sealed.subarray(0, 10))).rejects.toThrow(/blob nonce/);
  });
});
