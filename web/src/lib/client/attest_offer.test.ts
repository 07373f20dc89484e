// Attests a handshake offer built from real parts: the real trustee-milan SNP
// report and VCEK with AMD's chain (../shared/data), and a release proof from
// the log cloister-log generated (web/fixtures/tlog), whose manifest lists
// that report's measurement and TCB. The offer's expected REPORT_DATA is the
// report's own, since this real report was not made for a Cloister session.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { test_data } from '../test_data.test_support';
import { parse_pem_certificates } from '../attest/x509';
import { concat } from '../bytes/writer';
import { parse_report } from '../attest/snp/report';
import { NoteVerifier } from '../tlog/note';
import { fixture_bytes, fixture_text, fixture_tiles, fixture_vkeys } from '../tlog/fixture.test_support';
import { parse_release_proof } from '../tlog/release_proof';
import { type EvidenceBundle, expected_report_data } from '../session/evidence_bundle';
import type { EnclaveOffer } from '../session/initiator';
import { type ClientTrust, attest_offer } from './attest_offer';

const read = (path: string) => test_data('attestation/snp/' + path);
const report = read('trustee-milan/report.bin');
const chain = [read('trustee-milan/vcek.der'), ...parse_pem_certificates(new TextDecoder().decode(read('roots/ask_ark_milan.pem')))];
const keys = fixture_vkeys();

function offer(overrides: Partial<EvidenceBundle> = {}, expected = parse_report(report).report_data): EnclaveOffer {
  const proof = fixture_bytes('release-b.proof');
  const bundle: EvidenceBundle = {
    platform: 'sev-snp',
    report,
    collateral: concat(...chain),
    gpu_evidence: new Uint8Array(0),
    manifest: parse_release_proof(proof).manifest,
    receipt_public_key: new Uint8Array(32),
    tlog_proof_format: 1,
    tlog_proof: proof,
    ...overrides,
  };
  return { version: 1, bundle, enclave_static_public: new Uint8Array(32), expected_report_data: expected };
}

async function trust(stored: string | null = 'checkpoint-1'): Promise<ClientTrust> {
  return {
    log: {
      log_key: await NoteVerifier.parse(keys.log),
      witnesses: [await NoteVerifier.parse(keys.w1), await NoteVerifier.parse(keys.w2)],
      witness_threshold: 2,
    },
    tiles: fixture_tiles(),
    stored_checkpoint: stored === null ? null : fixture_text(stored),
    allow_simulated: false,
    at: new Date('2024-06-01T00:00:00Z'),
  };
}

describe('attesting an enclave offer', () => {
  it('accepts real evidence for a logged release and summarises it for the panel', async () => {
    const summary = await attest_offer(offer(), await trust());
    expect(summary.platform).toBe('AMD SEV-SNP');
    expect(summary.product).toBe('Milan');
    expect(summary.simulated).toBe(false);
    expect(summary.measurement).toBe('a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c');
    expect(summary.release_version).toBe('0.1.259');
    expect(summary.checkpoint.size).toBe(260n);
    expect(summary.models[0]!.name).toBe('stories260K');
    expect(summary.checkpoint_advanced).toBe(true);
    expect(summary.checkpoint_to_store).toBe(fixture_text('checkpoint-260'));
  });

  it('refuses evidence bound to another session', async () => {
    await expect(attest_offer(offer({}, new Uint8Array(64)), await trust())).rejects.toThrow(/^report_data mismatch: /);
  });

  it('refuses a release log that forked from what the client stored', async () => {
    await expect(attest_offer(offer(), await trust('fork-checkpoint-2'))).rejects.toThrow(/^inconsistent with stored checkpoint \(split view\)/);
  });

  it('refuses a bundle whose manifest differs from the logged one', async () => {
    const other = parse_release_proof(fixture_bytes('release-a.proof')).manifest;
    await expect(attest_offer(offer({ manifest: other }), await trust())).rejects.toThrow(/^manifest not included: the release proof's manifest/);
  });

  it("refuses a logged release older than the policy's minimum, naming it", async () => {
    for (const met of ['0.1.259', '0.1.259-rc.1', '0.0.9']) {
      const summary = await attest_offer(offer(), { ...(await trust()), min_release: met });
      expect(summary.checks).toContain(`release 0.1.259 is not older than the policy's minimum, ${met}`);
    }
    for (const unmet of ['0.1.260', '0.2.0-rc.1']) {
      await expect(attest_offer(offer(), { ...(await trust()), min_release: unmet })).rejects.toThrow(
        `release below the policy minimum: release 0.1.259 is older than the policy's minimum, ${unmet}`,
      );
    }
  });

  it('refuses SIMULATED evidence outside a development build, and other platforms', async () => {
    await expect(attest_offer(offer({ platform: 'simulated-sev-snp' }), await trust())).rejects.toThrow(/^SIMULATED evidence not allowed/);
    await expect(attest_offer(offer({ platform: 'tdx' }), await trust())).rejects.toThrow(/^unsupported evidence/);
  });

  it('accepts SIMULATED evidence only in a development build, and says so', async () => {
    const dir = new URL('../../../fixtures/simulated/', import.meta.url).pathname;
    const manifest = parse_release_proof(fixture_bytes('release-b.proof')).manifest;
    const bound = await expected_report_data(new Uint8Array(32).fill(0x11), new Uint8Array(32).fill(0x22), manifest, null);
    const simulated = offer(
      { platform: 'simulated-sev-snp', report: new Uint8Array(readFileSync(dir + 'report.bin')), collateral: new Uint8Array(readFileSync(dir + 'chain.pem')) },
      bound,
    );
    const development = { ...(await trust()), allow_simulated: true, at: new Date('2027-01-01T00:00:00Z') };
    const summary = await attest_offer(simulated, development);
    expect(summary.simulated).toBe(true);
    expect(summary.platform).toBe('SIMULATED SEV-SNP (development)');
    await expect(attest_offer(simulated, { ...development, allow_simulated: false })).rejects.toThrow(/^SIMULATED evidence not allowed/);
    await expect(attest_offer({ ...simulated, bundle: { ...simulated.bundle, platform: 'sev-snp' } }, development)).rejects.toThrow(
      /^SIMULATED evidence not allowed/,
    );
  });

  it('refuses a tampered report', async () => {
    const tampered = report.slice();
    tampered[0x100]! ^= 1;
    await expect(attest_offer(offer({ report: tampered }), await trust())).rejects.toThrow(/^signature invalid/);
  });
});
