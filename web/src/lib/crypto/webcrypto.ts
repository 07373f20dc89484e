// Thin typed wrappers over WebCrypto: hashes, HKDF-SHA256, AES-256-GCM and
// randomness. Every primitive the app uses comes from the platform (or, where
// a browser lacks one, from an audited library; see x25519.ts, ed25519.ts).
import { CloisterError } from '../errors';

const subtle = globalThis.crypto.subtle;

// WebCrypto wants ArrayBuffer-backed views; this copies when needed.
export function buffer(data: Uint8Array): Uint8Array<ArrayBuffer> {
  return data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
}

export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.digest('SHA-256', buffer(data)));
}

export async function sha384(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.digest('SHA-384', buffer(data)));
}

// Returns HKDF-SHA256(ikm, salt, info) of `length` bytes (RFC 5869). An
// empty salt means HashLen zero bytes, as in the C++ side.
export async function hkdf_sha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  if (length <= 0 || length > 255 * 32) throw new CloisterError('invalid_argument', `bad HKDF length ${length}`);
  const key = await subtle.importKey('raw', buffer(ikm), 'HKDF', false, ['deriveBits']);
  const bits = await subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: buffer(salt), info: buffer(info) },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}

export async function hmac_sha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle.importKey('raw', buffer(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', k, buffer(data)));
}

export const kAeadKeySize = 32;
export const kAeadNonceSize = 12;
export const kAeadTagSize = 16;

// An AES-256-GCM key held as a non-extractable CryptoKey.
export class AeadKey {
  private constructor(private readonly key: CryptoKey) {}

  // Imports a 32-byte key.
  static async create(raw: Uint8Array): Promise<AeadKey> {
    if (raw.length !== kAeadKeySize) throw new CloisterError('invalid_argument', 'AES-256-GCM keys are 32 bytes');
    const key = await subtle.importKey('raw', buffer(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
    return new AeadKey(key);
  }

  // Returns ciphertext || 16-byte tag.
  async seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    check_nonce(nonce);
    const out = await subtle.encrypt(
      { name: 'AES-GCM', iv: buffer(nonce), additionalData: buffer(aad), tagLength: 128 },
      this.key,
      buffer(plaintext),
    );
    return new Uint8Array(out);
  }

  // Returns the plaintext, or throws `rejected` if the tag does not verify.
  async open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Promise<Uint8Array> {
    check_nonce(nonce);
    if (sealed.length < kAeadTagSize) throw new CloisterError('rejected', 'ciphertext is shorter than its tag');
    try {
      const out = await subtle.decrypt(
        { name: 'AES-GCM', iv: buffer(nonce), additionalData: buffer(aad), tagLength: 128 },
        this.key,
        buffer(sealed),
      );
      return new Uint8Array(out);
    } catch {
      throw new CloisterError('rejected', 'AES-GCM authentication failed');
    }
  }
}

function check_nonce(nonce: Uint8Array): void {
  if (nonce.length !== kAeadNonceSize) throw new CloisterError('invalid_argument', 'AES-GCM nonces are 12 bytes');
}

// Returns `n` bytes from the platform's CSPRNG.
export function random_bytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

// Overwrites `secret` with zeros. JavaScript cannot promise no copies remain,
// but buffers the app owns are cleared as soon as they are not needed.
export function wipe(...secrets: Uint8Array[]): void {
  for (const secret of secrets) secret.fill(0);
}
