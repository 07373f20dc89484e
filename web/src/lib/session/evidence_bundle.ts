// The evidence bundle (format 1) of docs/protocol.md §5.1 and the
// REPORT_DATA binding of §5.3.
import { ByteReader } from '../bytes/reader';
import { ByteWriter } from '../bytes/writer';
import { buffer } from '../crypto/webcrypto';
import { protocol_error } from './wire';

export type Platform = 'sev-snp' | 'tdx' | 'simulated-sev-snp';
const kPlatforms: readonly Platform[] = ['sev-snp', 'tdx', 'simulated-sev-snp']; // codes 1, 2, 3
export const kReportDataLabel = 'cloister/report-data/v1';

export interface EvidenceBundle {
  platform: Platform;
  report: Uint8Array;
  collateral: Uint8Array;
  gpu_evidence: Uint8Array;
  manifest: Uint8Array;
  receipt_public_key: Uint8Array; // Ed25519, 32 bytes
  tlog_proof_format: 0 | 1;
  tlog_proof: Uint8Array;
}

// Parses a bundle strictly; throws a protocol error naming the field.
export function parse_evidence_bundle(bytes: Uint8Array): EvidenceBundle {
  const reader = new ByteReader(bytes);
  try {
    const format = reader.u8('bundle format');
    if (format !== 1) throw reader.malformed('bundle format', `${format} is not 1`);
    const platform_code = reader.u8('platform');
    const platform = kPlatforms[platform_code - 1];
    if (platform === undefined) throw reader.malformed('platform', `unknown code ${platform_code}`);
    const report = reader.u32be_prefixed('report').rest();
    if (report.length === 0) throw reader.malformed('report', 'is empty');
    const collateral = reader.u32be_prefixed('collateral').rest();
    const gpu_evidence = reader.u32be_prefixed('gpu evidence').rest();
    const manifest = reader.u32be_prefixed('manifest').rest();
    if (manifest.length === 0) throw reader.malformed('manifest', 'is empty');
    const receipt_public_key = reader.bytes(32, 'receipt public key');
    const tlog_proof_format = reader.u8('tlog proof format');
    if (tlog_proof_format > 1) throw reader.malformed('tlog proof format', `unknown format ${tlog_proof_format}`);
    const tlog_proof = reader.u32be_prefixed('tlog proof').rest();
    if ((tlog_proof.length === 0) !== (tlog_proof_format === 0)) {
      throw reader.malformed('tlog proof', 'must be empty exactly when its format is 0');
    }
    reader.expect_end('evidence bundle');
    return { platform, report, collateral, gpu_evidence, manifest, receipt_public_key, tlog_proof_format: tlog_proof_format as 0 | 1, tlog_proof };
  } catch (e) {
    if (e instanceof Error) throw protocol_error(`evidence bundle: ${e.message}`);
    throw e;
  }
}

// Encodes a bundle (for tests; the enclave produces them).
export function encode_evidence_bundle(bundle: EvidenceBundle): Uint8Array {
  return new ByteWriter()
    .u8(1)
    .u8(kPlatforms.indexOf(bundle.platform) + 1)
    .prefixed(4, bundle.report)
    .prefixed(4, bundle.collateral)
    .prefixed(4, bundle.gpu_evidence)
    .prefixed(4, bundle.manifest)
    .bytes(bundle.receipt_public_key)
    .u8(bundle.tlog_proof_format)
    .prefixed(4, bundle.tlog_proof)
    .finish();
}

// REPORT_DATA = SHA-512(label || enclave static key || receipt key ||
// SHA-256(manifest) || nonce or 32 zero bytes).
export async function expected_report_data(
  enclave_static_public: Uint8Array,
  receipt_public_key: Uint8Array,
  manifest: Uint8Array,
  nonce: Uint8Array | null,
): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const manifest_digest = new Uint8Array(await subtle.digest('SHA-256', buffer(manifest)));
  const input = new ByteWriter()
    .string(kReportDataLabel)
    .bytes(enclave_static_public)
    .bytes(receipt_public_key)
    .bytes(manifest_digest)
    .bytes(nonce ?? new Uint8Array(32))
    .finish();
  return new Uint8Array(await subtle.digest('SHA-512', buffer(input)));
}
