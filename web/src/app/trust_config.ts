// What this build of the web app pins, fixed at build time (so it is covered
// by the app digest the release manifest records): the transparency log's
// verifier key, the witnesses' keys and how many must cosign, and whether
// SIMULATED evidence is accepted (development builds only, shown on screen).
//   VITE_CLOISTER_LOG_VKEY        the log's vkey
//   VITE_CLOISTER_WITNESS_VKEYS   witness vkeys, separated by spaces
//   VITE_CLOISTER_WITNESS_THRESHOLD  how many must cosign (default: all)
//   VITE_CLOISTER_ALLOW_SIMULATED "1" in a development build
//   VITE_CLOISTER_MIN_RELEASE     the oldest release trusted (a semantic version)
export interface PinnedTrust {
  log_vkey: string;
  witness_vkeys: string[];
  witness_threshold: number;
  allow_simulated: boolean;
  min_release: string | null;
}

export function pinned_trust(): PinnedTrust {
  const env = import.meta.env as Record<string, string | undefined>;
  const witnesses = (env.VITE_CLOISTER_WITNESS_VKEYS ?? '').split(/\s+/).filter((w) => w !== '');
  const threshold = Number(env.VITE_CLOISTER_WITNESS_THRESHOLD ?? witnesses.length);
  return {
    log_vkey: (env.VITE_CLOISTER_LOG_VKEY ?? '').trim(),
    witness_vkeys: witnesses,
    witness_threshold: Number.isInteger(threshold) && threshold >= 0 ? threshold : witnesses.length,
    allow_simulated: env.VITE_CLOISTER_ALLOW_SIMULATED === '1',
    min_release: (env.VITE_CLOISTER_MIN_RELEASE ?? '').trim() || null,
  };
}
