// Encryption of history blobs before they reach the host, the twin of
// client/history/blob_cipher.h: AES-256-GCM under the history key, with the
// associated data binding account, object id and version, so the host cannot
// move a blob to another id, serve an old version as new, or mix accounts.
import { ByteReader } from '../bytes/reader';
import { ByteWriter } from '../bytes/writer';
import { utf8_encode } from '../bytes/encoding';
import { AeadKey, kAeadNonceSize, random_bytes } from '../crypto/webcrypto';
import { CloisterError } from '../errors';

const kBlobFormatV1 = 1;
const kBlobAadLabel = 'cloister/v1/blob';

export interface BlobBinding {
  account: Uint8Array; // identity public key
  object_id: string; // the host-visible blob id
  version: bigint | number; // the version this ciphertext is written as
}

function associated_data(binding: BlobBinding): Uint8Array {
  const id = utf8_encode(binding.object_id);
  return new ByteWriter()
    .string(kBlobAadLabel)
    .bytes(binding.account)
    .u32be(id.length)
    .bytes(id)
    .u64be(binding.version)
    .finish();
}

// Returns format (1) || nonce (12) || ciphertext || tag.
export async function seal_blob(history_key: Uint8Array, binding: BlobBinding, plaintext: Uint8Array): Promise<Uint8Array> {
  const nonce = random_bytes(kAeadNonceSize);
  const aead = await AeadKey.create(history_key);
  const sealed = await aead.seal(nonce, associated_data(binding), plaintext);
  return new ByteWriter().u8(kBlobFormatV1).bytes(nonce).bytes(sealed).finish();
}

// Returns the plaintext, or throws `rejected` if the blob was altered or is
// presented under another account, id or version.
export async function open_blob(history_key: Uint8Array, binding: BlobBinding, sealed: Uint8Array): Promise<Uint8Array> {
  const reader = new ByteReader(sealed);
  const format = reader.u8('blob format');
  if (format !== kBlobFormatV1) throw new CloisterError('unsupported', `unknown blob format ${format}`);
  const nonce = reader.bytes(kAeadNonceSize, 'blob nonce');
  const aead = await AeadKey.create(history_key);
  try {
    return await aead.open(nonce, associated_data(binding), reader.rest());
  } catch {
    throw new CloisterError(
      'rejected',
      `history blob ${binding.object_id} does not decrypt: altered, or not this account's, id's or version's`,
    );
  }
}
