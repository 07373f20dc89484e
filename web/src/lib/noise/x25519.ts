// X25519 (RFC 7748) for Noise: WebCrypto where the browser has it (Chromium
// does), otherwise @noble/curves (audited). A DH output of all zeros (a
// small-order peer key) is refused.
import { x25519 } from '@noble/curves/ed25519.js';
import { buffer, random_bytes } from '../crypto/webcrypto';
import { CloisterError } from '../errors';

const subtle = globalThis.crypto.subtle;
export const kX25519KeySize = 32;
// PKCS#8 for X25519 (RFC 8410): a fixed 16-byte header, then the private key.
const kPkcs8Header = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20];

let platform_support: Promise<boolean> | undefined;

// Returns true if this platform's WebCrypto implements X25519.
export function platform_has_x25519(): Promise<boolean> {
  platform_support ??= subtle
    .generateKey({ name: 'X25519' }, false, ['deriveBits'])
    .then(() => true)
    .catch(() => false);
  return platform_support;
}

export interface X25519KeyPair {
  public_key: Uint8Array;
  // Returns the shared secret with `peer_public`; throws rejected on an all-zero result.
  dh(peer_public: Uint8Array): Promise<Uint8Array>;
}

function check_shared(shared: Uint8Array): Uint8Array {
  if (shared.every((b) => b === 0)) throw new CloisterError('rejected', 'X25519 with a small-order public key');
  return shared;
}

// Makes the key pair of `private_key` (32 bytes); `use_platform` forces one path.
export async function x25519_key_pair(private_key: Uint8Array, use_platform?: boolean): Promise<X25519KeyPair> {
  if (private_key.length !== kX25519KeySize) throw new CloisterError('invalid_argument', 'X25519 keys are 32 bytes');
  const public_key = x25519.getPublicKey(private_key);
  if (use_platform ?? (await platform_has_x25519())) {
    const pkcs8 = new Uint8Array([...kPkcs8Header, ...private_key]);
    const key = await subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, false, ['deriveBits']);
    pkcs8.fill(0);
    return {
      public_key,
      dh: async (peer_public) => {
        if (peer_public.length !== kX25519KeySize) throw new CloisterError('malformed', 'X25519 public keys are 32 bytes');
        let peer: CryptoKey;
        try {
          peer = await subtle.importKey('raw', buffer(peer_public), { name: 'X25519' }, true, []);
          return check_shared(new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: peer }, key, 256)));
        } catch (e) {
          if (e instanceof CloisterError) throw e;
          throw new CloisterError('rejected', 'X25519 with a small-order public key');
        }
      },
    };
  }
  const secret = private_key.slice();
  return {
    public_key,
    dh: async (peer_public) => {
      if (peer_public.length !== kX25519KeySize) throw new CloisterError('malformed', 'X25519 public keys are 32 bytes');
      try {
        return check_shared(x25519.getSharedSecret(secret, peer_public));
      } catch (e) {
        if (e instanceof CloisterError) throw e;
        throw new CloisterError('rejected', 'X25519 with a small-order public key');
      }
    },
  };
}

// Returns a fresh key pair.
export function x25519_generate(use_platform?: boolean): Promise<X25519KeyPair> {
  return x25519_key_pair(random_bytes(kX25519KeySize), use_platform);
}
