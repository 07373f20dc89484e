// Builds the connector the chat view uses: the pinned trust of this build,
// the checkpoint this browser stored last, the host's /log/ tiles for
// consistency proofs, and the WebSocket relay at /v1/session.
import type { AttestationSummary, ClientTrust } from '../lib/client/attest_offer';
import { CloisterError } from '../lib/errors';
import { NoteVerifier } from '../lib/tlog/note';
import type { BackendConnector } from './chat/backend';
import { EnclaveBackend } from './chat/enclave_backend';
import { pinned_trust } from './trust_config';

const kCheckpointKey = 'cloister/checkpoint';

async function fetch_tile(path: string): Promise<Uint8Array | null> {
  const response = await fetch(`/log/${path}`, { credentials: 'omit', cache: 'no-store' });
  if (response.status === 404) return null;
  if (!response.ok) throw new CloisterError('unavailable', `log tile ${path}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// `bearer_token` gives the host sign-in's token, which the relay requires.
export function enclave_connector(bearer_token: () => string | null = () => null): BackendConnector {
  return async () => {
    const pins = pinned_trust();
    if (pins.log_vkey === '') {
      throw new CloisterError('unavailable', 'this build pins no transparency log, so it cannot verify an enclave; nothing was sent');
    }
    const trust: ClientTrust = {
      log: {
        log_key: await NoteVerifier.parse(pins.log_vkey),
        witnesses: await Promise.all(pins.witness_vkeys.map((v) => NoteVerifier.parse(v))),
        witness_threshold: pins.witness_threshold,
      },
      tiles: fetch_tile,
      stored_checkpoint: localStorage.getItem(kCheckpointKey),
      allow_simulated: pins.allow_simulated,
      min_release: pins.min_release,
    };
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/session`;
    return EnclaveBackend.connect(url, trust, (summary: AttestationSummary) => {
      if (summary.checkpoint_advanced) localStorage.setItem(kCheckpointKey, summary.checkpoint_to_store);
    }, bearer_token());
  };
}
