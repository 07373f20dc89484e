// SEV-SNP evidence verification for the browser: parse -> chain -> signature
// -> policy -> binding, every failure with its reason (verdict.ts). The twin
// of the C++ attest/snp/verifier.h; tests check both give the same verdicts on
// the real reports in ../shared/data/attestation/snp.
import { bytes_equal, hex_encode } from '../../bytes/encoding';
import { buffer } from '../../crypto/webcrypto';
import { CloisterError } from '../../errors';
import { Reason, Verdict } from '../verdict';
import { type VerifiedChain, verify_snp_chain } from './chain';
import { type SnpPolicy, kDefaultSnpPolicy } from './policy';
import { type SnpReport, parse_report } from './report';
import { kAmdRoots, type PinnedRoot } from './roots';
import { decode_tcb, describe_tcb, tcb_at_least, tcb_equal } from './tcb';

export interface SnpEvidence {
  report: Uint8Array; // 1184 bytes
  certificates: Uint8Array[]; // DER: the VCEK/VLEK, and the ASK and ARK
}

export interface SnpVerification {
  verdict: Verdict;
  report: SnpReport | null;
  chain: VerifiedChain | null;
}

// AMD stores R and S little-endian in 72 bytes; P-384 scalars use 48.
function big_endian_scalar(le: Uint8Array): Uint8Array | null {
  const be = le.slice().reverse();
  if (be.subarray(0, be.length - 48).some((b) => b !== 0)) return null;
  return be.subarray(be.length - 48);
}

async function check_signature(report: SnpReport, chain: VerifiedChain, verdict: Verdict): Promise<boolean> {
  const key_name = chain.endorsement.kind === 'vlek' ? 'VLEK' : 'VCEK';
  if (report.signature_algo !== 1) {
    verdict.fail(Reason.UnsupportedEvidence, `SIGNATURE_ALGO is ${report.signature_algo}, only 1 (ECDSA P-384 with SHA-384) is defined`);
    return false;
  }
  if (report.signing_key === 'none' || report.signing_key !== chain.endorsement.kind) {
    verdict.fail(Reason.ChainInvalid, `the report's SIGNING_KEY names ${report.signing_key} but the chain ends in a ${key_name}`);
    return false;
  }
  const r = big_endian_scalar(report.signature_r);
  const s = big_endian_scalar(report.signature_s);
  let valid = false;
  if (r !== null && s !== null) {
    const signature = new Uint8Array([...r, ...s]);
    valid = await globalThis.crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-384' },
      chain.endorsement_key,
      signature,
      buffer(report.signed_part),
    );
  }
  if (!valid) {
    verdict.fail(Reason.SignatureInvalid, `the ECDSA P-384 signature over report bytes [0, 0x2A0) does not verify with the ${key_name} key`);
    return false;
  }
  verdict.pass(`signature: ECDSA P-384/SHA-384 over bytes [0, 0x2A0) by the ${key_name}`);
  return true;
}

// The report's CPUID (v3 and later) must name a CPU of the ARK's generation.
function check_cpuid(report: SnpReport, chain: VerifiedChain, verdict: Verdict): void {
  if (report.cpuid === null) return;
  const { family, model } = report.cpuid;
  const ok =
    chain.product === 'Milan' ? family === 0x19 && model >> 4 === 0 : chain.product === 'Genoa' ? family === 0x19 && model >> 4 === 1 : family === 0x1a && model >> 4 <= 1;
  if (!ok) {
    const hex = (n: number) => n.toString(16).padStart(2, '0');
    verdict.fail(Reason.ProductMismatch, `CPUID family 0x${hex(family)} model 0x${hex(model)} is not a ${chain.product} CPU`);
  }
}

function check_tcb(report: SnpReport, chain: VerifiedChain, policy: SnpPolicy, verdict: Verdict): void {
  const product = chain.product;
  const reported = decode_tcb(report.reported_tcb, product);
  const current = decode_tcb(report.current_tcb, product);
  const certified = chain.endorsement.tcb;
  let ok = true;
  if (!tcb_equal(reported, certified)) {
    verdict.fail(
      Reason.ReportedTcbMismatch,
      `REPORTED_TCB ${describe_tcb(reported, product)} but the endorsement key was derived for ${describe_tcb(certified, product)}`,
    );
    ok = false;
  }
  if (!tcb_at_least(current, certified)) {
    verdict.fail(
      Reason.CertificateTcbAboveCurrent,
      `the endorsement key's TCB ${describe_tcb(certified, product)} exceeds CURRENT_TCB ${describe_tcb(current, product)}`,
    );
    ok = false;
  }
  if (policy.minimum_tcb !== null && !tcb_at_least(reported, policy.minimum_tcb)) {
    verdict.fail(
      Reason.TcbBelowMinimum,
      `REPORTED_TCB ${describe_tcb(reported, product)} is below the policy minimum ${describe_tcb(policy.minimum_tcb, product)}`,
    );
    ok = false;
  }
  if (policy.minimum_tcb === null) verdict.note('no minimum TCB in the policy');
  if (ok) verdict.pass(`tcb: reported ${describe_tcb(reported, product)} matches the certificate`);
}

function check_chip_id(report: SnpReport, chain: VerifiedChain, verdict: Verdict): void {
  if (chain.endorsement.kind === 'vlek') {
    verdict.note(`VLEK-signed: the report is tied to the cloud provider ${chain.endorsement.csp_id}, not to a chip id`);
    return;
  }
  if (report.mask_chip_key) {
    verdict.note('MASK_CHIP_KEY is set: CHIP_ID is zero and cannot be compared');
    return;
  }
  const hwid = chain.endorsement.hwid;
  const chip = report.chip_id;
  const rest_zero = chip.subarray(hwid.length).every((b) => b === 0);
  if (!bytes_equal(chip.subarray(0, hwid.length), hwid) || !rest_zero) {
    verdict.fail(Reason.ChipIdMismatch, `CHIP_ID ${hex_encode(chip)} is not the VCEK hwID ${hex_encode(hwid)}`);
    return;
  }
  verdict.pass('chip id: CHIP_ID equals the VCEK hwID');
}

function check_guest(report: SnpReport, policy: SnpPolicy, verdict: Verdict): void {
  const guest = report.policy;
  let ok = true;
  if (guest.debug && !policy.allow_debug) {
    verdict.fail(Reason.DebugPolicySet, 'guest POLICY has DEBUG (bit 19) set: the host can read and write guest memory');
    ok = false;
  }
  if (guest.migrate_ma && !policy.allow_migration_agent) {
    verdict.fail(Reason.MigrationAgentAllowed, 'guest POLICY has MIGRATE_MA (bit 18) set: a migration agent may export the VM');
    ok = false;
  }
  if (guest.smt && !policy.allow_smt) {
    verdict.fail(Reason.SmtNotAllowed, 'guest POLICY allows SMT (bit 16), the policy forbids it');
    ok = false;
  }
  if (ok) verdict.pass(`guest policy: 0x${guest.raw.toString(16)}${guest.debug ? ' (DEBUG allowed by policy)' : ' (no DEBUG)'}`);
  if (policy.required_vmpl !== null) {
    if (report.vmpl !== policy.required_vmpl) {
      verdict.fail(Reason.VmplMismatch, `VMPL is ${report.vmpl}, the policy requires ${policy.required_vmpl}`);
    } else {
      verdict.pass(`vmpl: ${report.vmpl}`);
    }
  }
  if (report.guest_svn < policy.minimum_guest_svn) {
    verdict.fail(Reason.GuestSvnBelowMinimum, `GUEST_SVN ${report.guest_svn} is below ${policy.minimum_guest_svn}`);
  }
}

function check_measurement_and_binding(report: SnpReport, policy: SnpPolicy, verdict: Verdict): void {
  if (policy.accepted_measurements === null) {
    verdict.note('measurement not checked: no release measurements in the policy');
  } else if (!policy.accepted_measurements.some((m) => bytes_equal(m, report.measurement))) {
    verdict.fail(Reason.MeasurementNotInRelease, `MEASUREMENT ${hex_encode(report.measurement)} is not listed by the release`);
  } else {
    verdict.pass(`measurement: ${hex_encode(report.measurement)} is in the release`);
  }
  if (policy.expected_report_data === null) {
    verdict.note('REPORT_DATA not checked: no binding in the policy');
  } else if (!bytes_equal(policy.expected_report_data, report.report_data)) {
    verdict.fail(
      Reason.ReportDataMismatch,
      `REPORT_DATA ${hex_encode(report.report_data)} is not the expected ${hex_encode(policy.expected_report_data)}`,
    );
  } else {
    verdict.pass('binding: REPORT_DATA matches');
  }
}

// Verifies SNP evidence at time `at` under `policy`, against `roots`.
export async function verify_snp_evidence(
  evidence: SnpEvidence,
  policy: SnpPolicy = kDefaultSnpPolicy,
  at: Date = new Date(),
  roots: readonly PinnedRoot[] = kAmdRoots,
): Promise<SnpVerification> {
  const verdict = new Verdict();
  let report: SnpReport;
  try {
    report = parse_report(evidence.report);
  } catch (e) {
    const unsupported = e instanceof CloisterError && e.code === 'unsupported';
    verdict.fail(unsupported ? Reason.UnsupportedEvidence : Reason.MalformedEvidence, e instanceof Error ? e.message : String(e));
    return { verdict, report: null, chain: null };
  }
  verdict.pass(`parse: SNP report version ${report.version}`);
  const chain = await verify_snp_chain(evidence.certificates, policy.allow_simulated, at, roots, verdict);
  if (chain === null) return { verdict, report, chain };
  if (!(await check_signature(report, chain, verdict))) return { verdict, report, chain };
  check_cpuid(report, chain, verdict);
  check_tcb(report, chain, policy, verdict);
  check_chip_id(report, chain, verdict);
  check_guest(report, policy, verdict);
  check_measurement_and_binding(report, policy, verdict);
  return { verdict, report, chain };
}
