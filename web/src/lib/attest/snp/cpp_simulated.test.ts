// Evidence from the C++ development provider (web/fixtures/simulated-cpp):
// what a development enclave sends must verify in the browser under a
// development policy, bound to its REPORT_DATA and simulated measurement.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../bytes/writer';
import { sha256, sha384 } from '../../crypto/webcrypto';
import { Reason } from '../verdict';
import { parse_snp_certificates } from './certificates';
import { kDefaultSnpPolicy } from './policy';
import { verify_snp_evidence } from './verifier';

const kDir = fileURLToPath(new URL('../../../../fixtures/simulated-cpp/', import.meta.url));
const evidence = () => ({
  report: new Uint8Array(readFileSync(kDir + 'report.bin')),
  certificates: parse_snp_certificates(new Uint8Array(readFileSync(kDir + 'collateral.bin'))),
});
const kAt = new Date('2027-06-01T00:00:00Z');

// SHA-384("cloister/simulated-measurement/v1" || SHA-256(binary)), per docs/attestation.md.
async function simulated_measurement(binary: string): Promise<Uint8Array> {
  const digest = await sha256(new TextEncoder().encode(binary));
  return sha384(new ByteWriter().string('cloister/simulated-measurement/v1').bytes(digest).finish());
}

describe("the C++ development provider's evidence", () => {
  it('verifies under a development policy with its binding and measurement', async () => {
    const policy = {
      ...kDefaultSnpPolicy,
      allow_simulated: true,
      accepted_measurements: [await simulated_measurement('enclave')],
      expected_report_data: new Uint8Array(64).fill(0xab),
    };
    const { verdict, chain } = await verify_snp_evidence(evidence(), policy, kAt);
    expect(verdict.describe_failures()).toBe('');
    expect(verdict.simulated).toBe(true);
    expect(chain!.endorsement.product_name).toBe('Milan-SIMULATED');
  });

  it('is refused by default', async () => {
    const { verdict } = await verify_snp_evidence(evidence(), kDefaultSnpPolicy, kAt);
    expect(verdict.failures.map((f) => f.reason)).toEqual([Reason.SimulatedNotAllowed]);
  });
});
