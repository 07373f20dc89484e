// The SEV-SNP ATTESTATION_REPORT (AMD SEV-SNP ABI, "Attestation Report"),
// versions 2 to 5: 1184 bytes, little-endian, signed over bytes [0, 0x2A0).
// Parsed field by field through ByteReader; reserved ranges must be zero.
// The twin of the C++ attest/snp/report.h.
import { ByteReader } from '../../bytes/reader';
import { CloisterError } from '../../errors';

export const kReportSize = 0x4a0;
export const kSignedSize = 0x2a0;
export const kSignatureComponentSize = 72;

export interface GuestPolicy {
  raw: bigint;
  abi_minor: number;
  abi_major: number;
  smt: boolean; // bit 16
  migrate_ma: boolean; // bit 18
  debug: boolean; // bit 19
  single_socket: boolean; // bit 20
}

export type SigningKey = 'vcek' | 'vlek' | 'none';

export interface SnpReport {
  version: number;
  guest_svn: number;
  policy: GuestPolicy;
  family_id: Uint8Array;
  image_id: Uint8Array;
  vmpl: number;
  signature_algo: number;
  current_tcb: bigint;
  platform_info: bigint;
  author_key_enabled: boolean;
  mask_chip_key: boolean;
  signing_key: SigningKey;
  report_data: Uint8Array; // 64
  measurement: Uint8Array; // 48
  host_data: Uint8Array; // 32
  id_key_digest: Uint8Array;
  author_key_digest: Uint8Array;
  report_id: Uint8Array;
  report_id_ma: Uint8Array;
  reported_tcb: bigint;
  cpuid: { family: number; model: number; stepping: number } | null; // v3+
  chip_id: Uint8Array; // 64
  committed_tcb: bigint;
  current_version: string; // "major.minor.build"
  committed_version: string;
  launch_tcb: bigint;
  signature_r: Uint8Array; // 72, little-endian
  signature_s: Uint8Array;
  signed_part: Uint8Array; // bytes [0, 0x2A0)
}

function malformed(message: string): CloisterError {
  return new CloisterError('malformed', message);
}

const bit = (value: bigint, index: number) => ((value >> BigInt(index)) & 1n) === 1n;

// Decodes POLICY; throws if reserved bit 17 is clear or bits 26..63 are set.
export function decode_guest_policy(raw: bigint): GuestPolicy {
  if (!bit(raw, 17)) throw malformed('SNP guest POLICY bit 17 is reserved and must be 1');
  if (raw >> 26n !== 0n) throw malformed('SNP guest POLICY sets reserved bits 26..63');
  return {
    raw,
    abi_minor: Number(raw & 0xffn),
    abi_major: Number((raw >> 8n) & 0xffn),
    smt: bit(raw, 16),
    migrate_ma: bit(raw, 18),
    debug: bit(raw, 19),
    single_socket: bit(raw, 20),
  };
}

function read_zeros(reader: ByteReader, n: number, what: string): void {
  const at = reader.offset;
  if (reader.bytes(n, what).some((b) => b !== 0)) throw malformed(`${what} at offset ${at} must be zero`);
}

function read_version(reader: ByteReader, what: string): string {
  const build = reader.u8(what);
  const minor = reader.u8(what);
  const major = reader.u8(what);
  read_zeros(reader, 1, what);
  return `${major}.${minor}.${build}`;
}

function expect_offset(reader: ByteReader, offset: number, field: string): void {
  if (reader.offset !== offset) throw new Error(`SNP report layout error before ${field}`);
}

// Parses exactly kReportSize bytes of a version 2..5 report.
export function parse_report(bytes: Uint8Array): SnpReport {
  if (bytes.length !== kReportSize) throw malformed(`SNP report must be ${kReportSize} bytes, got ${bytes.length}`);
  const r = new ByteReader(bytes);
  const version = r.u32le('VERSION');
  if (version < 2 || version > 5) throw new CloisterError('unsupported', `SNP report version ${version} is not 2 to 5`);
  const guest_svn = r.u32le('GUEST_SVN');
  const policy = decode_guest_policy(r.u64le('POLICY'));
  const family_id = r.bytes(16, 'FAMILY_ID');
  const image_id = r.bytes(16, 'IMAGE_ID');
  expect_offset(r, 0x30, 'VMPL');
  const vmpl = r.u32le('VMPL');
  const signature_algo = r.u32le('SIGNATURE_ALGO');
  const current_tcb = r.u64le('CURRENT_TCB');
  const platform_info = r.u64le('PLATFORM_INFO');
  const signer_info = r.u32le('signer info');
  if (signer_info >>> 5 !== 0) throw malformed('SNP report signer info sets reserved bits 5..31');
  const signing_key_bits = (signer_info >>> 2) & 7;
  const signing_key: SigningKey | undefined = ({ 0: 'vcek', 1: 'vlek', 7: 'none' } as const)[signing_key_bits as 0 | 1 | 7];
  if (signing_key === undefined) throw malformed(`SNP report SIGNING_KEY ${signing_key_bits} is reserved`);
  read_zeros(r, 4, 'reserved after signer info');
  expect_offset(r, 0x50, 'REPORT_DATA');
  const report_data = r.bytes(64, 'REPORT_DATA');
  const measurement = r.bytes(48, 'MEASUREMENT');
  const host_data = r.bytes(32, 'HOST_DATA');
  const id_key_digest = r.bytes(48, 'ID_KEY_DIGEST');
  const author_key_digest = r.bytes(48, 'AUTHOR_KEY_DIGEST');
  const report_id = r.bytes(32, 'REPORT_ID');
  const report_id_ma = r.bytes(32, 'REPORT_ID_MA');
  expect_offset(r, 0x180, 'REPORTED_TCB');
  const reported_tcb = r.u64le('REPORTED_TCB');
  let cpuid: SnpReport['cpuid'] = null;
  if (version >= 3) {
    cpuid = { family: r.u8('CPUID_FAM_ID'), model: r.u8('CPUID_MOD_ID'), stepping: r.u8('CPUID_STEP') };
    read_zeros(r, 0x1a0 - 0x18b, 'reserved after CPUID');
  } else {
    read_zeros(r, 0x1a0 - 0x188, 'reserved after REPORTED_TCB');
  }
  const chip_id = r.bytes(64, 'CHIP_ID');
  const committed_tcb = r.u64le('COMMITTED_TCB');
  const current_version = read_version(r, 'CURRENT_BUILD/MINOR/MAJOR');
  const committed_version = read_version(r, 'COMMITTED_BUILD/MINOR/MAJOR');
  const launch_tcb = r.u64le('LAUNCH_TCB');
  // LAUNCH_MIT_VECTOR and CURRENT_MIT_VECTOR (v5) are not used by the policy.
  r.skip(16, 'mitigation vectors');
  read_zeros(r, kSignedSize - 0x208, 'reserved before the signature');
  expect_offset(r, kSignedSize, 'SIGNATURE');
  const signature_r = r.bytes(kSignatureComponentSize, 'SIGNATURE R');
  const signature_s = r.bytes(kSignatureComponentSize, 'SIGNATURE S');
  read_zeros(r, kReportSize - kSignedSize - 2 * kSignatureComponentSize, 'reserved after the signature');
  r.expect_end('SNP report');
  return {
    version,
    guest_svn,
    policy,
    family_id,
    image_id,
    vmpl,
    signature_algo,
    current_tcb,
    platform_info,
    author_key_enabled: (signer_info & 1) !== 0,
    mask_chip_key: (signer_info & 2) !== 0,
    signing_key,
    report_data,
    measurement,
    host_data,
    id_key_digest,
    author_key_digest,
    report_id,
    report_id_ma,
    reported_tcb,
    cpuid,
    chip_id,
    committed_tcb,
    current_version,
    committed_version,
    launch_tcb,
    signature_r,
    signature_s,
    signed_part: bytes.subarray(0, kSignedSize),
  };
}
