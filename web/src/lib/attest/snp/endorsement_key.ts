// What a VCEK or VLEK certificate says about the chip (AMD "VCEK Certificate
// and KDS Interface" specification): X.509 extensions under
// 1.3.6.1.4.1.3704.1, each decoded as real DER.
import { ByteReader } from '../../bytes/reader';
import { utf8_decode } from '../../bytes/encoding';
import { CloisterError } from '../../errors';
import { read_der, read_der_uint } from '../der';
import type { ParsedCertificate } from '../x509';
import type { AmdProduct, TcbParts } from './tcb';

const kAmdArc = '1.3.6.1.4.1.3704.1';

export interface EndorsementKeyInfo {
  kind: 'vcek' | 'vlek';
  product_name: string; // e.g. "Milan-B0"
  tcb: TcbParts; // the TCB the key was derived for
  hwid: Uint8Array; // VCEK: 64 bytes (8 on Turin); VLEK: empty
  csp_id: string; // VLEK only
}

function extension(cert: ParsedCertificate, suffix: string): Uint8Array {
  const value = cert.extensions.get(`${kAmdArc}.${suffix}`);
  if (value === undefined) throw new CloisterError('malformed', `endorsement key lacks extension ${kAmdArc}.${suffix}`);
  return value;
}

function spl(cert: ParsedCertificate, suffix: string, what: string): number {
  const reader = new ByteReader(extension(cert, suffix));
  const value = read_der_uint(reader, what, 255);
  reader.expect_end(what);
  return value;
}

function ia5(cert: ParsedCertificate, suffix: string, what: string): string {
  const reader = new ByteReader(extension(cert, suffix));
  const text = read_der(reader, 0x16, what).rest();
  reader.expect_end(what);
  if (text.some((c) => c > 0x7e || c < 0x20)) throw new CloisterError('malformed', `${what} is not printable IA5`);
  return utf8_decode(text);
}

// Decodes the AMD extensions of a VCEK/VLEK for a chip of `product`.
export function decode_endorsement_key(cert: ParsedCertificate, product: AmdProduct): EndorsementKeyInfo {
  const kind = cert.subject_cn === 'SEV-VCEK' ? 'vcek' : cert.subject_cn === 'SEV-VLEK' ? 'vlek' : null;
  if (kind === null) throw new CloisterError('malformed', `endorsement key subject is "${cert.subject_cn}"`);
  const tcb: TcbParts = {
    fmc: product === 'Turin' ? spl(cert, '3.9', 'fmcSPL') : 0,
    bootloader: spl(cert, '3.1', 'blSPL'),
    tee: spl(cert, '3.2', 'teeSPL'),
    snp: spl(cert, '3.3', 'snpSPL'),
    microcode: spl(cert, '3.8', 'ucodeSPL'),
  };
  const product_name = ia5(cert, '2', 'productName');
  if (kind === 'vlek') return { kind, product_name, tcb, hwid: new Uint8Array(0), csp_id: ia5(cert, '5', 'cspId') };
  const hwid = extension(cert, '4');
  const expected = product === 'Turin' ? 8 : 64;
  if (hwid.length !== expected) throw new CloisterError('malformed', `hwID is ${hwid.length} bytes, not ${expected}`);
  return { kind, product_name, tcb, hwid, csp_id: '' };
}
