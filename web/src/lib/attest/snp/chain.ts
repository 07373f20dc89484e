// The chain step for SEV-SNP: VCEK or VLEK -> ASK or ASVK -> ARK. The ARK must
// be pinned (its fingerprint names the product), every certificate must use
// AMD's algorithms (RSASSA-PSS SHA-384 salt 48 signatures, RSA-4096 ARK/ASK
// keys, an EC P-384 leaf key), and each must be valid at the injected time.
import { bytes_equal } from '../../bytes/encoding';
import { Reason, type Verdict } from '../verdict';
import {
  type ParsedCertificate,
  check_amd_signature_algorithm,
  fingerprint,
  import_p384_key,
  parse_certificate,
  rsa_modulus_bits,
  verify_rsa_pss_signature,
} from '../x509';
import { type EndorsementKeyInfo, decode_endorsement_key } from './endorsement_key';
import type { PinnedRoot } from './roots';
import type { AmdProduct } from './tcb';

export interface VerifiedChain {
  product: AmdProduct;
  simulated: boolean;
  endorsement_cert: ParsedCertificate;
  endorsement_key: CryptoKey; // P-384, verifies the report
  endorsement: EndorsementKeyInfo;
}

const message_of = (e: unknown) => (e instanceof Error ? e.message : String(e));
// The organization of every certificate in the SIMULATED provider's chain.
export const kSimulatedOrganization = 'Cloister SIMULATED (not AMD)';
const is_leaf = (cert: ParsedCertificate) => cert.subject_cn === 'SEV-VCEK' || cert.subject_cn === 'SEV-VLEK';

// Runs the chain step over `ders` (in any order). Records what passed or
// failed in `verdict`; returns the verified chain, or null on failure.
export async function verify_snp_chain(
  ders: readonly Uint8Array[],
  allow_simulated: boolean,
  at: Date,
  roots: readonly PinnedRoot[],
  verdict: Verdict,
): Promise<VerifiedChain | null> {
  let certs: ParsedCertificate[];
  try {
    certs = ders.map(parse_certificate);
  } catch (e) {
    verdict.fail(Reason.MalformedEvidence, message_of(e));
    return null;
  }
  let ark: ParsedCertificate | undefined;
  let root: PinnedRoot | undefined;
  for (const cert of certs) {
    const digest = await fingerprint(cert);
    root = roots.find((r) => r.sha256 === digest);
    if (root !== undefined) {
      ark = cert;
      break;
    }
  }
  if (ark === undefined || root === undefined) {
    // The development provider's stand-in root is never pinned; it is
    // recognised by its organization, and accepted only with allow_simulated.
    ark = certs.find((c) => c.subject_organization === kSimulatedOrganization && bytes_equal(c.subject, c.issuer));
    if (ark === undefined) {
      verdict.fail(Reason.RootNotPinned, 'no certificate is a pinned AMD root key (ARK)');
      return null;
    }
    root = { product: 'Milan', sha256: await fingerprint(ark), simulated: true }; // Milan's TCB layout
  }
  if (root.simulated) {
    verdict.simulated = true;
    if (!allow_simulated) {
      verdict.fail(Reason.SimulatedNotAllowed, `the ARK is the SIMULATED provider's stand-in (${ark.subject_cn}); only a development policy accepts it`);
      return null;
    }
    verdict.note('SIMULATED chain accepted because the policy allows it (development build)');
  }
  const issued_by = (parent: ParsedCertificate) => (c: ParsedCertificate) =>
    c !== parent && bytes_equal(c.issuer, parent.subject);
  const ask = certs.find((c) => issued_by(ark)(c) && !is_leaf(c));
  const leaf = ask === undefined ? undefined : certs.find((c) => issued_by(ask)(c) && is_leaf(c));
  if (ask === undefined || leaf === undefined) {
    verdict.fail(Reason.ChainInvalid, `no ${ask === undefined ? 'ASK/ASVK issued by the ARK' : 'VCEK/VLEK issued by the ASK'}`);
    return null;
  }
  for (const cert of [ark, ask, leaf]) {
    const problem = check_amd_signature_algorithm(cert);
    if (problem !== null) {
      verdict.fail(Reason.CertificateAlgorithm, problem);
      return null;
    }
  }
  for (const cert of [ark, ask]) {
    const bits = await rsa_modulus_bits(cert);
    if (bits !== 4096) {
      verdict.fail(Reason.CertificateAlgorithm, `${cert.subject_cn} key is not RSA-4096`);
      return null;
    }
  }
  let endorsement_key: CryptoKey;
  try {
    endorsement_key = await import_p384_key(leaf);
  } catch (e) {
    verdict.fail(Reason.CertificateAlgorithm, message_of(e));
    return null;
  }
  for (const [issuer, child] of [
    [ark, ark],
    [ark, ask],
    [ask, leaf],
  ] as const) {
    if (!(await verify_rsa_pss_signature(issuer, child))) {
      verdict.fail(Reason.ChainInvalid, `the signature on ${child.subject_cn} by ${issuer.subject_cn} does not verify`);
      return null;
    }
  }
  for (const cert of [ark, ask, leaf]) {
    if (at < cert.not_before || at > cert.not_after) {
      verdict.fail(
        Reason.CertificateNotValidNow,
        `${cert.subject_cn} is valid from ${cert.not_before.toISOString()} to ${cert.not_after.toISOString()}, not at ${at.toISOString()}`,
      );
      return null;
    }
  }
  const product = root.product;
  const amd_names = ark.subject_cn === `ARK-${product}` && (ask.subject_cn === `SEV-${product}` || ask.subject_cn === `SEV-VLEK-${product}`);
  if (!root.simulated && !amd_names) {
    verdict.fail(Reason.ProductMismatch, `${ark.subject_cn} / ${ask.subject_cn} is not a ${product} chain`);
    return null;
  }
  let endorsement: EndorsementKeyInfo;
  try {
    endorsement = decode_endorsement_key(leaf, product);
  } catch (e) {
    verdict.fail(Reason.MalformedEvidence, message_of(e));
    return null;
  }
  if (!endorsement.product_name.startsWith(product)) {
    verdict.fail(Reason.ProductMismatch, `the ${leaf.subject_cn} is for ${endorsement.product_name}, the root for ${product}`);
    return null;
  }
  verdict.pass(`chain: ${leaf.subject_cn} -> ${ask.subject_cn} -> ${ark.subject_cn} (${root.simulated ? 'SIMULATED stand-in root' : 'pinned AMD root'})`);
  return { product, simulated: root.simulated, endorsement_cert: leaf, endorsement_key, endorsement };
}
