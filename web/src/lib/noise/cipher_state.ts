// Noise CipherState (Noise Protocol Framework rev. 34, section 5.1) with
// AES-256-GCM: the nonce is 32 zero bits then the 64-bit big-endian counter.
import { ByteWriter } from '../bytes/writer';
import { AeadKey } from '../crypto/webcrypto';
import { CloisterError } from '../errors';

const kMaxNonce = 2n ** 64n - 1n; // reserved by the spec

function nonce_bytes(n: bigint): Uint8Array {
  return new ByteWriter().u32be(0).u64be(n).finish();
}

export class CipherState {
  private key: AeadKey | null = null;
  private n = 0n;

  // Sets the key (32 bytes) and resets the nonce.
  async initialize_key(key: Uint8Array): Promise<void> {
    this.key = await AeadKey.create(key);
    this.n = 0n;
  }

  has_key(): boolean {
    return this.key !== null;
  }

  get nonce(): bigint {
    return this.n;
  }

  private next_nonce(): Uint8Array {
    if (this.n >= kMaxNonce) throw new CloisterError('resource_exhausted', 'Noise nonce exhausted');
    return nonce_bytes(this.n);
  }

  // Rekey(): the key becomes the first 32 bytes of ENCRYPT(k, 2^64-1, "", zeros(32)).
  async rekey(): Promise<void> {
    if (this.key === null) throw new CloisterError('invalid_argument', 'rekey without a key');
    const sealed = await this.key.seal(nonce_bytes(kMaxNonce), new Uint8Array(0), new Uint8Array(32));
    this.key = await AeadKey.create(sealed.subarray(0, 32));
    sealed.fill(0);
  }

  // Encrypts with associated data `ad`, or returns the plaintext if no key is set.
  async encrypt_with_ad(ad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    if (this.key === null) return plaintext.slice();
    const out = await this.key.seal(this.next_nonce(), ad, plaintext);
    this.n++;
    return out;
  }

  // Decrypts; throws rejected (and keeps the nonce) if authentication fails.
  async decrypt_with_ad(ad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    if (this.key === null) return ciphertext.slice();
    const out = await this.key.open(this.next_nonce(), ad, ciphertext);
    this.n++;
    return out;
  }
}
