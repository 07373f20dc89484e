// Ed25519 (RFC 8032): WebCrypto where the browser has it, otherwise
// @noble/curves (audited). Used for the account identity key, log checkpoint
// signatures and witness cosignatures.
import { ed25519 } from '@noble/curves/ed25519.js';
import { CloisterError } from '../errors';
import { buffer } from './webcrypto';

const subtle = globalThis.crypto.subtle;
export const kEd25519PublicKeySize = 32;
export const kEd25519SignatureSize = 64;

let webcrypto_ed25519: Promise<boolean> | undefined;

// Returns true if this platform's WebCrypto implements Ed25519.
export function platform_has_ed25519(): Promise<boolean> {
  webcrypto_ed25519 ??= subtle
    .generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])
    .then(() => true)
    .catch(() => false);
  return webcrypto_ed25519;
}

// Returns true if `signature` is a valid Ed25519 signature of `message` by
// `public_key`. Malformed keys or signatures verify as false.
export async function ed25519_verify(
  public_key: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  use_platform?: boolean,
): Promise<boolean> {
  if (public_key.length !== kEd25519PublicKeySize || signature.length !== kEd25519SignatureSize) return false;
  if (use_platform ?? (await platform_has_ed25519())) {
    try {
      const key = await subtle.importKey('raw', buffer(public_key), { name: 'Ed25519' }, false, ['verify']);
      return await subtle.verify({ name: 'Ed25519' }, key, buffer(signature), buffer(message));
    } catch {
      return false;
    }
  }
  try {
    return ed25519.verify(signature, message, public_key, { zip215: false });
  } catch {
    return false;
  }
}

// An Ed25519 key pair made from a 32-byte seed.
export interface Ed25519KeyPair {
  public_key: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

// Derives the key pair of `seed` (32 bytes).
export async function ed25519_from_seed(seed: Uint8Array, use_platform?: boolean): Promise<Ed25519KeyPair> {
  if (seed.length !== 32) throw new CloisterError('invalid_argument', 'Ed25519 seeds are 32 bytes');
  // The public key is a pure function of the seed; signing stays in WebCrypto
  // with a non-extractable key where the platform has Ed25519.
  const public_key = ed25519.getPublicKey(seed);
  if (use_platform ?? (await platform_has_ed25519())) {
    // PKCS#8 for Ed25519 (RFC 8410): a fixed 16-byte header, then the seed.
    const header = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    const pkcs8 = new Uint8Array([...header, ...seed]);
    const private_key = await subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
    pkcs8.fill(0);
    return {
      public_key,
      sign: async (message) => new Uint8Array(await subtle.sign({ name: 'Ed25519' }, private_key, buffer(message))),
    };
  }
  const secret = seed.slice();
  return {
    public_key,
    sign: async (message) => ed25519.sign(message, secret),
  };
}
