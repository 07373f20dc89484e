// Verifies what an enclave offers in handshake message 2 before the client
// sends anything (docs/protocol.md §5.4): the release proof against the pinned
// log and the stored checkpoint, then the platform evidence against a policy
// built from the logged manifest (measurement, minimum TCB) and the session
// binding (REPORT_DATA). Every refusal is a `rejected` error whose message
// starts with its reason; on success, a summary for the attestation panel.
import { bytes_equal, hex_encode } from '../bytes/encoding';
import { CloisterError } from '../errors';
import { kDefaultSnpPolicy, type SnpPolicy } from '../attest/snp/policy';
import { verify_snp_evidence } from '../attest/snp/verifier';
import { parse_snp_certificates } from '../attest/snp/certificates';
import { parse_release_proof } from '../tlog/release_proof';
import { compare_precedence, parse_release_version } from '../tlog/release_version';
import { type LogTrustPolicy, consistency_from_tiles, verify_release_proof } from '../tlog/release_verify';
import type { TileFetcher } from '../tlog/tiles';
import type { EnclaveOffer } from '../session/initiator';

export interface ClientTrust {
  log: LogTrustPolicy;
  tiles: TileFetcher | null; // the host's /log/ (or a mirror), for consistency proofs
  stored_checkpoint: string | null; // the newest checkpoint this client accepted
  allow_simulated: boolean; // development builds only; shown on screen when used
  min_release?: string | null; // the oldest release trusted, a semantic version
  at?: Date; // verification time (default: now)
}

// What the attestation panel shows.
export interface AttestationSummary {
  platform: string;
  simulated: boolean;
  product: string; // e.g. "Milan"
  measurement: string; // hex
  release_version: string;
  source_commit: string;
  manifest_digest: string; // hex
  checkpoint: { origin: string; size: bigint; root: string };
  models: { name: string; sha256: string }[];
  checks: string[]; // what passed, in order
  notes: string[];
  checkpoint_to_store: string;
  checkpoint_advanced: boolean;
}

function refuse(reason: string, detail: string): CloisterError {
  return new CloisterError('rejected', `${reason}: ${detail}`);
}

// A release stays in the log once logged; the floor is how its trust ends.
function check_min_release(version: string, minimum: string): string {
  const reason = 'release below the policy minimum';
  let floor, release;
  try {
    floor = parse_release_version(minimum);
  } catch (e) {
    throw refuse(reason, `the policy's minimum: ${(e as Error).message}`);
  }
  try {
    release = parse_release_version(version);
  } catch (e) {
    throw refuse(reason, `the policy's minimum is ${minimum}, and the logged ${(e as Error).message}`);
  }
  if (compare_precedence(release, floor) < 0) throw refuse(reason, `release ${version} is older than the policy's minimum, ${minimum}`);
  return `release ${version} is not older than the policy's minimum, ${minimum}`;
}

// Verifies `offer` under `trust`; throws `rejected` naming the first failure.
export async function attest_offer(offer: EnclaveOffer, trust: ClientTrust): Promise<AttestationSummary> {
  const bundle = offer.bundle;
  if (bundle.platform === 'simulated-sev-snp' && !trust.allow_simulated) {
    throw refuse('SIMULATED evidence not allowed', 'the enclave offers development evidence, and this is not a development build');
  }
  const simulated = bundle.platform === 'simulated-sev-snp';
  if (bundle.platform !== 'sev-snp' && !simulated) {
    throw refuse('unsupported evidence', `the web app verifies SEV-SNP evidence; the enclave offers ${bundle.platform}`);
  }
  if (bundle.tlog_proof_format !== 1) throw refuse('manifest not included', 'the enclave offers no transparency-log proof');
  let proof;
  try {
    proof = parse_release_proof(bundle.tlog_proof);
  } catch (e) {
    throw refuse('manifest malformed', (e as Error).message);
  }
  if (!bytes_equal(proof.manifest, bundle.manifest)) {
    throw refuse('manifest not included', "the release proof's manifest is not the bundle's");
  }
  const release = await verify_release_proof(
    proof,
    trust.log,
    trust.stored_checkpoint,
    trust.tiles === null ? null : consistency_from_tiles(trust.tiles),
  );
  const manifest = release.manifest;
  const release_checks = [`release ${manifest.version} is entry ${release.index} of ${release.checkpoint.origin}`];
  if (trust.min_release) release_checks.push(check_min_release(manifest.version, trust.min_release));
  const min = manifest.min_snp_tcb;
  const policy: SnpPolicy = {
    ...kDefaultSnpPolicy,
    allow_simulated: simulated,
    accepted_measurements: simulated ? manifest.simulated_measurements : manifest.snp_measurements,
    expected_report_data: offer.expected_report_data,
    minimum_tcb: min === null ? null : { fmc: min.fmc ?? 0, bootloader: min.bootloader, tee: min.tee, snp: min.snp, microcode: min.microcode },
  };
  let certificates: Uint8Array[];
  try {
    certificates = parse_snp_certificates(bundle.collateral);
  } catch (e) {
    throw refuse('malformed evidence', `certificates: ${(e as Error).message}`);
  }
  const { verdict, report, chain } = await verify_snp_evidence({ report: bundle.report, certificates }, policy, trust.at ?? new Date());
  if (!verdict.accepted || report === null || chain === null) {
    const first = verdict.failures[0];
    throw refuse(first?.reason ?? 'malformed evidence', first?.detail ?? 'the evidence did not verify');
  }
  if (verdict.simulated !== simulated) {
    throw refuse('unsupported evidence', `the bundle says ${bundle.platform} but its chain ends in a pinned AMD root`);
  }
  return {
    platform: simulated ? 'SIMULATED SEV-SNP (development)' : 'AMD SEV-SNP',
    simulated: verdict.simulated,
    product: chain.product,
    measurement: hex_encode(report.measurement),
    release_version: manifest.version,
    source_commit: manifest.source_commit,
    manifest_digest: hex_encode(release.manifest_digest),
    checkpoint: { origin: release.checkpoint.origin, size: release.checkpoint.size, root: hex_encode(release.checkpoint.root) },
    models: manifest.models.map((m) => ({ name: m.name, sha256: hex_encode(m.sha256) })),
    checks: [...verdict.passed, ...release_checks],
    notes: [
      ...verdict.notes,
      ...(bundle.gpu_evidence.length > 0 ? ['the enclave sent NVIDIA GPU evidence, which the web app does not verify yet'] : []),
    ],
    checkpoint_to_store: release.update.checkpoint_to_store,
    checkpoint_advanced: release.update.advanced,
  };
}
