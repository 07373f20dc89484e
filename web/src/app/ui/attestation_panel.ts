// The attestation panel: what was verified about the enclave before anything
// was sent to it: platform, measurement, release, log checkpoint, model
// digests, and SIMULATED in large letters when it applies.
import type { AttestationSummary } from '../../lib/client/attest_offer';
import { h } from './dom';

function row(label: string, value: string, testid?: string): HTMLElement[] {
  return [h('dt', {}, label), h('dd', testid ? { 'data-testid': testid } : {}, value)];
}

// Returns the panel for `summary`, or for no verified enclave (`reason` says why).
export function attestation_panel(summary: AttestationSummary | null, reason: string): HTMLElement {
  if (summary === null) {
    return h('section', { class: 'attestation', 'aria-label': 'Attestation', 'data-testid': 'attestation' },
      h('h2', {}, 'Attestation'),
      h('p', { class: 'unverified' }, 'No enclave verified yet. ', reason));
  }
  return h(
    'section',
    { class: 'attestation', 'aria-label': 'Attestation', 'data-testid': 'attestation' },
    h('h2', {}, 'Attestation'),
    summary.simulated ? h('p', { class: 'simulated', 'data-testid': 'simulated' }, 'SIMULATED — development evidence, no real TEE') : null,
    h(
      'dl',
      {},
      ...row('Platform', `${summary.platform} (${summary.product})`, 'platform'),
      ...row('Measurement', summary.measurement, 'measurement'),
      ...row('Release', `${summary.release_version} (commit ${summary.source_commit.slice(0, 12)})`, 'release'),
      ...row('Manifest', summary.manifest_digest),
      ...row('Log checkpoint', `${summary.checkpoint.origin} at size ${summary.checkpoint.size}, root ${summary.checkpoint.root.slice(0, 16)}…`, 'checkpoint'),
      ...summary.models.flatMap((m) => row(`Model ${m.name}`, m.sha256, 'model')),
    ),
    h('details', {}, h('summary', {}, 'Checks'), h('ul', {}, ...summary.checks.map((c) => h('li', {}, c)), ...summary.notes.map((n) => h('li', { class: 'note' }, n)))),
  );
}
