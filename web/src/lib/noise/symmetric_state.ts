// Noise SymmetricState (rev. 34, section 5.2) with SHA-256: the chaining key,
// the handshake hash, and the cipher state keyed as the handshake goes.
import { utf8_encode } from '../bytes/encoding';
import { concat } from '../bytes/writer';
import { hmac_sha256, sha256, wipe } from '../crypto/webcrypto';
import { CipherState } from './cipher_state';

export const kHashLen = 32;

// Noise's HKDF: HMAC-SHA256 based, returning `outputs` (2 or 3) values.
export async function noise_hkdf(chaining_key: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Promise<Uint8Array[]> {
  const temp = await hmac_sha256(chaining_key, ikm);
  const out1 = await hmac_sha256(temp, new Uint8Array([1]));
  const out2 = await hmac_sha256(temp, concat(out1, new Uint8Array([2])));
  const result = [out1, out2];
  if (outputs === 3) result.push(await hmac_sha256(temp, concat(out2, new Uint8Array([3]))));
  wipe(temp);
  return result;
}

export class SymmetricState {
  readonly cipher = new CipherState();
  private ck: Uint8Array;
  private h: Uint8Array;

  private constructor(h: Uint8Array) {
    this.h = h;
    this.ck = h.slice();
  }

  // InitializeSymmetric(protocol_name).
  static async create(protocol_name: string): Promise<SymmetricState> {
    const name = utf8_encode(protocol_name);
    const h = name.length <= kHashLen ? concat(name, new Uint8Array(kHashLen - name.length)) : await sha256(name);
    return new SymmetricState(h);
  }

  get handshake_hash(): Uint8Array {
    return this.h.slice();
  }

  async mix_key(ikm: Uint8Array): Promise<void> {
    const [ck, temp_k] = await noise_hkdf(this.ck, ikm, 2);
    wipe(this.ck);
    this.ck = ck!;
    await this.cipher.initialize_key(temp_k!);
    wipe(temp_k!);
  }

  async mix_hash(data: Uint8Array): Promise<void> {
    this.h = await sha256(concat(this.h, data));
  }

  async encrypt_and_hash(plaintext: Uint8Array): Promise<Uint8Array> {
    const ciphertext = await this.cipher.encrypt_with_ad(this.h, plaintext);
    await this.mix_hash(ciphertext);
    return ciphertext;
  }

  async decrypt_and_hash(ciphertext: Uint8Array): Promise<Uint8Array> {
    const plaintext = await this.cipher.decrypt_with_ad(this.h, ciphertext);
    await this.mix_hash(ciphertext);
    return plaintext;
  }

  // Split(): the two transport cipher states (initiator-to-responder first).
  async split(): Promise<[CipherState, CipherState]> {
    const [k1, k2] = await noise_hkdf(this.ck, new Uint8Array(0), 2);
    const c1 = new CipherState();
    const c2 = new CipherState();
    await c1.initialize_key(k1!);
    await c2.initialize_key(k2!);
    wipe(k1!, k2!, this.ck);
    return [c1, c2];
  }
}
