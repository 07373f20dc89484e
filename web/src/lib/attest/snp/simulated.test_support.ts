// The SIMULATED fixture (web/fixtures/simulated), and re-signing a changed
// copy of its report with the stand-in VCEK key, so tests can reach the
// policy checks that come after the signature.
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse_pem_certificates } from '../x509';

const kDir = fileURLToPath(new URL('../../../../fixtures/simulated/', import.meta.url));

export function simulated_evidence(): { report: Uint8Array; certificates: Uint8Array[] } {
  return {
    report: new Uint8Array(readFileSync(kDir + 'report.bin')),
    certificates: parse_pem_certificates(readFileSync(kDir + 'chain.pem', 'utf8')),
  };
}

// Applies `change` to a copy of `report` and signs bytes [0, 0x2A0) again.
export function resign(report: Uint8Array, change: (bytes: Uint8Array) => void): Uint8Array {
  const out = report.slice();
  change(out);
  const key = createPrivateKey(readFileSync(kDir + 'vcek-key.pem'));
  const rs = new Uint8Array(sign('sha384', out.subarray(0, 0x2a0), { key, dsaEncoding: 'ieee-p1363' }));
  out.fill(0, 0x2a0, 0x2a0 + 144);
  out.set(rs.subarray(0, 48).reverse(), 0x2a0);
  out.set(rs.subarray(48, 96).reverse(), 0x2a0 + 72);
  return out;
}
