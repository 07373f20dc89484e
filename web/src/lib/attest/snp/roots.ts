// AMD's root keys (ARKs), pinned by the SHA-256 of their self-signed
// certificates as AMD publishes them (go-sev-guest's verify/trust and
// kdsintf.amd.com carry the same). The ARK names the product.
import type { AmdProduct } from './tcb';

export interface PinnedRoot {
  product: AmdProduct;
  sha256: string;
  simulated: boolean; // a development stand-in: accepted only with allow_simulated
}

export const kAmdRoots: readonly PinnedRoot[] = [
  { product: 'Milan', sha256: '69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd', simulated: false },
  { product: 'Genoa', sha256: '4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1', simulated: false },
  { product: 'Turin', sha256: '1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a', simulated: false },
];
