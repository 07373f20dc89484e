// X.509 certificates as the attestation verifiers need them: parsed with
// @peculiar/asn1-x509 (a maintained ASN.1 schema library), signatures checked
// with WebCrypto. Only the algorithms AMD's chains use are accepted: RSASSA-PSS
// with SHA-384, MGF1-SHA-384 and a 48-byte salt, and ECDSA P-384 leaf keys.
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, Name } from '@peculiar/asn1-x509';
import { base64_decode, hex_encode } from '../bytes/encoding';
import { buffer, sha256 } from '../crypto/webcrypto';
import { CloisterError } from '../errors';

const subtle = globalThis.crypto.subtle;
export const kOidRsaEncryption = '1.2.840.113549.1.1.1';
export const kOidRsassaPss = '1.2.840.113549.1.1.10';
export const kOidMgf1 = '1.2.840.113549.1.1.8';
export const kOidSha384 = '2.16.840.1.101.3.4.2.2';
export const kOidEcPublicKey = '1.2.840.10045.2.1';
export const kOidP384 = '1.3.132.0.34';
const kOidCommonName = '2.5.4.3';
const kOidOrganization = '2.5.4.10';

export interface ParsedCertificate {
  der: Uint8Array;
  tbs: Uint8Array; // the signed bytes
  subject: Uint8Array; // DER of the subject Name
  issuer: Uint8Array; // DER of the issuer Name
  subject_cn: string;
  subject_organization: string;
  not_before: Date;
  not_after: Date;
  spki: Uint8Array; // DER of SubjectPublicKeyInfo
  key_algorithm: string; // OID
  key_parameters: Uint8Array | null; // e.g. the curve OID's DER
  signature_algorithm: string; // OID
  signature_parameters: Uint8Array | null;
  signature: Uint8Array;
  extensions: Map<string, Uint8Array>; // OID -> extnValue contents
}

function name_attribute(name: Name, oid: string): string {
  for (const rdn of name) {
    for (const attribute of rdn) {
      if (attribute.type === oid) return attribute.value.toString();
    }
  }
  return '';
}

// Parses one DER certificate. Throws malformed naming the problem.
export function parse_certificate(der: Uint8Array): ParsedCertificate {
  let cert: Certificate;
  try {
    cert = AsnConvert.parse(buffer(der), Certificate);
  } catch (e) {
    throw new CloisterError('malformed', `certificate is not valid DER X.509: ${(e as Error).message}`);
  }
  const tbs = cert.tbsCertificate;
  if (cert.tbsCertificateRaw === undefined) throw new CloisterError('malformed', 'certificate has no TBS bytes');
  const extensions = new Map<string, Uint8Array>();
  for (const extension of tbs.extensions ?? []) {
    if (extensions.has(extension.extnID)) {
      throw new CloisterError('malformed', `certificate repeats extension ${extension.extnID}`);
    }
    extensions.set(extension.extnID, new Uint8Array(extension.extnValue.buffer));
  }
  const spki = tbs.subjectPublicKeyInfo;
  return {
    der,
    tbs: new Uint8Array(cert.tbsCertificateRaw),
    subject: new Uint8Array(AsnConvert.serialize(tbs.subject)),
    issuer: new Uint8Array(AsnConvert.serialize(tbs.issuer)),
    subject_cn: name_attribute(tbs.subject, kOidCommonName),
    subject_organization: name_attribute(tbs.subject, kOidOrganization),
    not_before: tbs.validity.notBefore.getTime(),
    not_after: tbs.validity.notAfter.getTime(),
    spki: new Uint8Array(AsnConvert.serialize(spki)),
    key_algorithm: spki.algorithm.algorithm,
    key_parameters: spki.algorithm.parameters ? new Uint8Array(spki.algorithm.parameters) : null,
    signature_algorithm: cert.signatureAlgorithm.algorithm,
    signature_parameters: cert.signatureAlgorithm.parameters ? new Uint8Array(cert.signatureAlgorithm.parameters) : null,
    signature: new Uint8Array(cert.signatureValue),
    extensions,
  };
}

// Splits PEM text into the DER of each CERTIFICATE block, in order.
export function parse_pem_certificates(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const pattern = /-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----/g;
  for (const match of text.matchAll(pattern)) {
    out.push(base64_decode(match[1]!.replace(/\s+/g, '')));
  }
  if (out.length === 0) throw new CloisterError('malformed', 'no PEM certificate found');
  return out;
}

// Returns the lower-case hex SHA-256 of the certificate's DER.
export async function fingerprint(cert: ParsedCertificate): Promise<string> {
  return hex_encode(await sha256(cert.der));
}

// Returns a problem if `cert` is not signed with RSASSA-PSS SHA-384 / MGF1
// SHA-384 / salt 48 (AMD's only signature algorithm), or null.
export function check_amd_signature_algorithm(cert: ParsedCertificate): string | null {
  if (cert.signature_algorithm !== kOidRsassaPss || cert.signature_parameters === null) {
    return `${cert.subject_cn} is signed with ${cert.signature_algorithm}, not RSASSA-PSS`;
  }
  let params: RsaSaPssParams;
  try {
    params = AsnConvert.parse(buffer(cert.signature_parameters), RsaSaPssParams);
  } catch {
    return `${cert.subject_cn} has malformed RSASSA-PSS parameters`;
  }
  let mgf_hash = '';
  try {
    const parameters = params.maskGenAlgorithm.parameters;
    if (parameters) mgf_hash = AsnConvert.parse(parameters, AlgorithmIdentifier).algorithm;
  } catch {
    return `${cert.subject_cn} has malformed MGF1 parameters`;
  }
  const ok =
    mgf_hash === kOidSha384 &&
    params.hashAlgorithm.algorithm === kOidSha384 &&
    params.maskGenAlgorithm.algorithm === kOidMgf1 &&
    params.saltLength === 48 &&
    params.trailerField === 1;
  return ok ? null : `${cert.subject_cn} uses RSASSA-PSS parameters other than SHA-384, MGF1, salt 48`;
}

// Returns true if `issuer`'s RSA key made `child`'s RSASSA-PSS signature.
export async function verify_rsa_pss_signature(issuer: ParsedCertificate, child: ParsedCertificate): Promise<boolean> {
  try {
    const key = await subtle.importKey('spki', buffer(issuer.spki), { name: 'RSA-PSS', hash: 'SHA-384' }, false, ['verify']);
    return await subtle.verify({ name: 'RSA-PSS', saltLength: 48 }, key, buffer(child.signature), buffer(child.tbs));
  } catch {
    return false;
  }
}

// Returns the RSA modulus size in bits of `cert`'s key, or 0 if not RSA.
export async function rsa_modulus_bits(cert: ParsedCertificate): Promise<number> {
  if (cert.key_algorithm !== kOidRsaEncryption) return 0;
  try {
    const key = await subtle.importKey('spki', buffer(cert.spki), { name: 'RSA-PSS', hash: 'SHA-384' }, true, ['verify']);
    return (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
  } catch {
    return 0;
  }
}

// Imports `cert`'s P-384 key for ECDSA verification; throws if it is not one.
export async function import_p384_key(cert: ParsedCertificate): Promise<CryptoKey> {
  if (cert.key_algorithm !== kOidEcPublicKey) {
    throw new CloisterError('rejected', `${cert.subject_cn} does not hold an EC key`);
  }
  try {
    return await subtle.importKey('spki', buffer(cert.spki), { name: 'ECDSA', namedCurve: 'P-384' }, false, ['verify']);
  } catch {
    throw new CloisterError('rejected', `${cert.subject_cn} does not hold a P-384 key`);
  }
}
