import { describe, expect, it } from 'vitest';
import { concat, ByteWriter } from '../../bytes/writer';
import { hex_decode } from '../../bytes/encoding';
import { test_data, test_data_text } from '../../test_data.test_support';
import { parse_pem_certificates } from '../x509';
import { kArkGuid, kAskGuid, kVcekGuid, parse_cert_table, parse_snp_certificates } from './certificates';

const vcek = test_data('attestation/snp/trustee-milan/vcek.der');
const pem = test_data_text('attestation/snp/roots/ask_ark_milan.pem');
const [ask, ark] = parse_pem_certificates(pem) as [Uint8Array, Uint8Array];

// A GHCB certificate table written here from the GHCB specification's layout.
function cert_table(entries: [string, Uint8Array][]): Uint8Array {
  const header = new ByteWriter();
  let offset = (entries.length + 1) * 24;
  for (const [guid, data] of entries) {
    header.bytes(hex_decode(guid.replaceAll('-', ''))).u32le(offset).u32le(data.length);
    offset += data.length;
  }
  header.bytes(new Uint8Array(24));
  return concat(header.finish(), ...entries.map(([, data]) => data));
}

describe('SNP certificates in every form', () => {
  it('reads PEM, back-to-back DER and a certificate table alike', () => {
    const expected = [vcek, ask, ark];
    expect(parse_snp_certificates(concat(vcek, ask, ark))).toEqual(expected);
    const all_pem = new TextEncoder().encode(pem);
    expect(parse_snp_certificates(all_pem)).toEqual([ask, ark]);
    const table = cert_table([
      [kVcekGuid, vcek],
      [kAskGuid, ask],
      [kArkGuid, ark],
    ]);
    expect(parse_cert_table(table).map((e) => e.guid)).toEqual([kVcekGuid, kAskGuid, kArkGuid]);
    expect(parse_snp_certificates(table)).toEqual(expected);
  });

  it('refuses a table entry pointing outside it, and an empty table', () => {
    const table = cert_table([[kVcekGuid, vcek]]);
    expect(() => parse_snp_certificates(table.subarray(0, table.length - 1))).toThrow(/points outside the table/);
    expect(() => parse_snp_certificates(new Uint8Array(24))).toThrow(/certificate table is empty/);
    expect(() => parse_snp_certificates(new Uint8Array(10))).toThrow(/certificate table GUID/);
  });
});
