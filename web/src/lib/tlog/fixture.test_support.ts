// Loads web/fixtures/tlog, produced by the real cloister-log binary
// (make_tlog_fixture.sh there), for the tlog tests.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TileFetcher } from './tiles';

const kDir = fileURLToPath(new URL('../../../fixtures/tlog/', import.meta.url));

export function fixture_bytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(kDir + name));
}

export function fixture_text(name: string): string {
  return readFileSync(kDir + name, 'utf8');
}

// Reads tiles of the fixture log directory (or of `dir` under the fixtures).
export function fixture_tiles(dir = 'log'): TileFetcher {
  return async (path) => {
    if (path.includes('..')) throw new Error(`bad tile path ${path}`);
    const file = `${kDir}${dir}/${path}`;
    return existsSync(file) ? new Uint8Array(readFileSync(file)) : null;
  };
}

// The pinned keys: log, witnesses w1..w3, and another key for the same origin.
export function fixture_vkeys(): { log: string; w1: string; w2: string; w3: string; other: string } {
  const [log, w1, w2, w3, other] = fixture_text('vkeys.txt').trim().split('\n');
  if (other === undefined) throw new Error('vkeys.txt has fewer than 5 keys');
  return { log: log!, w1: w1!, w2: w2!, w3: w3!, other };
}

// The verdicts cloister-log gave, by scenario name.
export function fixture_verdicts(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of fixture_text('expected.txt').trim().split('\n')) {
    const [name, verdict] = line.split('\t');
    out.set(name!, verdict!);
  }
  return out;
}
