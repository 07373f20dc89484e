// The release proof an enclave ships in its evidence bundle ("CLRP" v1), the
// twin of tlog/release_proof.h's parser:
//   "CLRP" | 0x01 | u16 + canonical manifest | u32 + c2sp.org/tlog-proof@v1 text
import { ByteReader } from '../bytes/reader';
import { utf8_decode } from '../bytes/encoding';
import { CloisterError } from '../errors';
import { type TlogProof, kMaxTlogProofSize, parse_tlog_proof } from './checkpoint';

export const kReleaseProofVersion = 1;
const kMagic = [0x43, 0x4c, 0x52, 0x50]; // "CLRP"

export interface ReleaseProof {
  manifest: Uint8Array; // canonical manifest bytes: the log entry
  log_proof: TlogProof;
}

// Parses a release proof. Throws malformed on a wrong magic, truncation,
// trailing bytes or a malformed tlog proof, and unsupported on another
// version. Nothing is verified here: see verify_release_proof.
export function parse_release_proof(encoded: Uint8Array): ReleaseProof {
  const reader = new ByteReader(encoded);
  const magic = reader.bytes(4, 'release proof magic');
  if (!kMagic.every((byte, i) => magic[i] === byte)) throw new CloisterError('malformed', 'not a release proof (bad magic)');
  const version = reader.u8('release proof version');
  if (version !== kReleaseProofVersion) {
    throw new CloisterError('unsupported', `release proof version ${version} is not supported`);
  }
  const manifest = reader.u16be_prefixed('release manifest');
  if (manifest.empty) throw reader.malformed('release manifest', 'is empty');
  const manifest_bytes = manifest.rest().slice();
  const text = reader.u32be_prefixed('tlog proof');
  if (text.remaining > kMaxTlogProofSize) throw reader.malformed('tlog proof', 'is too large');
  reader.expect_end('release proof');
  try {
    return { manifest: manifest_bytes, log_proof: parse_tlog_proof(utf8_decode(text.rest(), 'tlog proof')) };
  } catch (e) {
    if (e instanceof CloisterError) throw e.with_context('release proof');
    throw e;
  }
}
