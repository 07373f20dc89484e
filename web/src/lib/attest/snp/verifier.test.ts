// The public SNP vectors in ../shared/data/attestation/snp, with the verdicts
// its README states (and the C++ verifier gives).
import { describe, expect, it } from 'vitest';
import { test_data } from '../../test_data.test_support';
import { hex_encode } from '../../bytes/encoding';
import { sha256 } from '../../crypto/webcrypto';
import { Reason } from '../verdict';
import { parse_pem_certificates } from '../x509';
import { kDefaultSnpPolicy } from './policy';
import { parse_report } from './report';
import { kAmdRoots } from './roots';
import { resign, simulated_evidence } from './simulated.test_support';
import { verify_snp_evidence } from './verifier';

const read = (path: string) => test_data('attestation/snp/' + path);
const milan_roots = () => parse_pem_certificates(new TextDecoder().decode(read('roots/ask_ark_milan.pem')));
// Both Milan VCEKs are valid from early 2023 to 2029: verify inside that window.
const kAt = new Date('2024-06-01T00:00:00Z');

function evidence(dir: string, vcek = 'vcek.der') {
  return { report: read(`${dir}/report.bin`), certificates: [read(`${dir}/${vcek}`), ...milan_roots()] };
}

describe('SEV-SNP evidence (real reports)', () => {
  it('pins exactly the ARKs AMD publishes', async () => {
    for (const [file, product] of [
      ['ask_ark_milan.pem', 'Milan'],
      ['ask_ark_genoa.pem', 'Genoa'],
      ['ask_ark_turin.pem', 'Turin'],
    ] as const) {
      const [, ark] = parse_pem_certificates(new TextDecoder().decode(read(`roots/${file}`)));
      const pin = kAmdRoots.find((r) => r.product === product)!;
      expect(hex_encode(await sha256(ark!))).toBe(pin.sha256);
    }
  });

  it('accepts trustee-milan under the default policy', async () => {
    const { verdict, report, chain } = await verify_snp_evidence(evidence('trustee-milan'), kDefaultSnpPolicy, kAt);
    expect(verdict.describe_failures()).toBe('');
    expect(verdict.accepted).toBe(true);
    expect(report!.policy.raw).toBe(0x3001fn);
    expect(chain!.product).toBe('Milan');
    expect(chain!.endorsement.product_name).toBe('Milan-B0');
    expect(verdict.passed.some((p) => p.startsWith('chip id'))).toBe(true);
    expect(verdict.simulated).toBe(false);
  });

  it('rejects go-sev-guest-milan by default, naming debug, and accepts it when debug is allowed', async () => {
    const strict = await verify_snp_evidence(evidence('go-sev-guest-milan'), kDefaultSnpPolicy, kAt);
    expect(strict.verdict.accepted).toBe(false);
    expect(strict.verdict.failures.map((f) => f.reason)).toEqual([Reason.DebugPolicySet]);
    expect(strict.verdict.describe_failures()).toMatch(/^debug policy set: .*DEBUG \(bit 19\)/);
    const lenient = await verify_snp_evidence(evidence('go-sev-guest-milan'), { ...kDefaultSnpPolicy, allow_debug: true }, kAt);
    expect(lenient.verdict.describe_failures()).toBe('');
    expect(lenient.verdict.accepted).toBe(true);
  });

  it('rejects the malformed legacy VCEK', async () => {
    const { verdict } = await verify_snp_evidence(evidence('trustee-milan', 'vcek-invalid-legacy.der'), kDefaultSnpPolicy, kAt);
    expect(verdict.accepted).toBe(false);
    expect(verdict.failures.map((f) => f.reason)).toEqual([Reason.ChainInvalid]);
  });

  it('checks the measurement against the release and REPORT_DATA against the binding', async () => {
    const report = parse_report(read('trustee-milan/report.bin'));
    const bound = { ...kDefaultSnpPolicy, accepted_measurements: [report.measurement], expected_report_data: report.report_data };
    expect((await verify_snp_evidence(evidence('trustee-milan'), bound, kAt)).verdict.accepted).toBe(true);
    const other = new Uint8Array(48);
    const wrong = { ...bound, accepted_measurements: [other], expected_report_data: new Uint8Array(64) };
    const { verdict } = await verify_snp_evidence(evidence('trustee-milan'), wrong, kAt);
    expect(verdict.failures.map((f) => f.reason)).toEqual([Reason.MeasurementNotInRelease, Reason.ReportDataMismatch]);
  });

  it('refuses a report whose signed bytes were altered', async () => {
    const altered = evidence('trustee-milan');
    altered.report = altered.report.slice();
    altered.report[0x90]! ^= 1; // MEASUREMENT
    const { verdict } = await verify_snp_evidence(altered, kDefaultSnpPolicy, kAt);
    expect(verdict.failures.map((f) => f.reason)).toEqual([Reason.SignatureInvalid]);
    const debug = evidence('trustee-milan');
    debug.report = debug.report.slice();
    debug.report[0x08]! ^= 0x08; // POLICY: sets DEBUG, which the signature must catch
    expect((await verify_snp_evidence(debug, kDefaultSnpPolicy, kAt)).verdict.failures[0]!.reason).toBe(Reason.SignatureInvalid);
    const signature = evidence('trustee-milan');
    signature.report = signature.report.slice();
    signature.report[0x2a0 + 72 + 3]! ^= 1; // SIGNATURE.S
    expect((await verify_snp_evidence(signature, kDefaultSnpPolicy, kAt)).verdict.failures[0]!.reason).toBe(Reason.SignatureInvalid);
  });

  it('refuses certificates outside their validity and chains to an unpinned root', async () => {
    const late = await verify_snp_evidence(evidence('trustee-milan'), kDefaultSnpPolicy, new Date('2031-01-01T00:00:00Z'));
    expect(late.verdict.failures.map((f) => f.reason)).toEqual([Reason.CertificateNotValidNow]);
    const genoa = parse_pem_certificates(new TextDecoder().decode(read('roots/ask_ark_genoa.pem')));
    const wrong_root = { report: read('trustee-milan/report.bin'), certificates: [read('trustee-milan/vcek.der'), ...genoa] };
    const mismatched = await verify_snp_evidence(wrong_root, kDefaultSnpPolicy, kAt);
    expect(mismatched.verdict.failures.map((f) => f.reason)).toEqual([Reason.ChainInvalid]);
    const unpinned = await verify_snp_evidence(evidence('trustee-milan'), kDefaultSnpPolicy, kAt, []);
    expect(unpinned.verdict.failures.map((f) => f.reason)).toEqual([Reason.RootNotPinned]);
  });

  it('parses report fields at their ABI offsets and rejects bad layouts', () => {
    const bytes = read('go-sev-guest-milan/report.bin');
    const report = parse_report(bytes);
    expect(report.version).toBe(2);
    expect(report.policy.debug).toBe(true);
    expect(report.policy.smt).toBe(true);
    expect(report.signing_key).toBe('vcek');
    expect(() => parse_report(bytes.subarray(1))).toThrow(/must be 1184 bytes/);
    const v9 = bytes.slice();
    v9[0] = 9;
    expect(() => parse_report(v9)).toThrow(/version 9 is not 2 to 5/);
    const reserved = bytes.slice();
    reserved[0x4c] = 1;
    expect(() => parse_report(reserved)).toThrow(/reserved after signer info at offset 76 must be zero/);
    const no_bit17 = bytes.slice();
    no_bit17[0x0a]! &= ~0x02;
    expect(() => parse_report(no_bit17)).toThrow(/bit 17 is reserved/);
  });
});

describe('SIMULATED SEV-SNP evidence (web/fixtures/simulated)', () => {
  const development = { ...kDefaultSnpPolicy, allow_simulated: true };

  it('is refused by default, naming SIMULATED', async () => {
    const { verdict } = await verify_snp_evidence(simulated_evidence(), kDefaultSnpPolicy, kAt2027);
    expect(verdict.simulated).toBe(true);
    expect(verdict.failures.map((f) => f.reason)).toEqual([Reason.SimulatedNotAllowed]);
  });

  it('verifies completely under a development policy, and says SIMULATED', async () => {
    const { verdict, chain } = await verify_snp_evidence(simulated_evidence(), development, kAt2027);
    expect(verdict.describe_failures()).toBe('');
    expect(verdict.simulated).toBe(true);
    expect(chain!.endorsement.product_name).toBe('Milan-SIMULATED');
    expect(verdict.passed.some((p) => p.includes('SIMULATED stand-in root'))).toBe(true);
    expect(verdict.passed.some((p) => p.startsWith('chip id'))).toBe(true);
  });

  it('still checks the stand-in signature', async () => {
    const evidence = simulated_evidence();
    evidence.report[0x90]! ^= 1;
    const { verdict } = await verify_snp_evidence(evidence, development, kAt2027);
    expect(verdict.failures.map((f) => f.reason)).toEqual([Reason.SignatureInvalid]);
  });

  it('lists every policy failure of a signed report, as the C++ verifier does', async () => {
    const evidence = simulated_evidence();
    evidence.report = resign(evidence.report, (r) => {
      r[0x0a] = 0x0f; // POLICY bits 16..19: SMT, reserved 1, MIGRATE_MA, DEBUG
      r[0x189] = 0x11; // CPUID model 0x11: a Genoa, not a Milan
      r[0x180] = 2; // REPORTED_TCB bootloader 2, below the VCEK's 3
      r[0x1a0]! ^= 1; // CHIP_ID
    });
    const strict = { ...development, allow_smt: false, minimum_tcb: { fmc: 0, bootloader: 3, tee: 0, snp: 8, microcode: 115 } };
    const { verdict } = await verify_snp_evidence(evidence, strict, kAt2027);
    expect(verdict.failures.map((f) => f.reason)).toEqual([
      Reason.ProductMismatch,
      Reason.ReportedTcbMismatch,
      Reason.TcbBelowMinimum,
      Reason.ChipIdMismatch,
      Reason.DebugPolicySet,
      Reason.MigrationAgentAllowed,
      Reason.SmtNotAllowed,
    ]);
    expect(verdict.describe_failures()).toContain('product mismatch: CPUID family 0x19 model 0x11 is not a Milan CPU');
  });

  it('names an unsupported report version apart from malformed bytes', async () => {
    const evidence = simulated_evidence();
    evidence.report[0] = 6;
    const { verdict } = await verify_snp_evidence(evidence, development, kAt2027);
    expect(verdict.failures.map((f) => f.reason)).toEqual([Reason.UnsupportedEvidence]);
  });
});

// The simulated fixture's certificates are valid from 2026 on.
const kAt2027 = new Date('2027-01-01T00:00:00Z');
