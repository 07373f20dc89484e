// The certificates that come with an SNP report (docs/attestation.md): PEM,
// DER certificates back to back, or a GHCB certificate table (24-byte entries
// of GUID, u32le offset and u32le length, ended by an all-zero entry, then the
// certificates, each DER or PEM). The twin of parse_snp_certificates.
import { ByteReader } from '../../bytes/reader';
import { hex_encode } from '../../bytes/encoding';
import { CloisterError } from '../../errors';
import { read_der } from '../der';
import { parse_pem_certificates } from '../x509';

export const kVcekGuid = '63da758d-e664-4564-adc5-f4b93be8accd';
export const kVlekGuid = 'a8074bc2-a25a-483e-aae6-39c045a0b8a1';
export const kAskGuid = '4ab7b379-bbac-4fe4-a02f-05aef327c782';
export const kArkGuid = 'c0b406a4-a803-4952-9743-3fb6014cd0ae';
const kMaxEntries = 64;

function looks_like_pem(data: Uint8Array): boolean {
  const head = new TextDecoder().decode(data.subarray(0, 64)).trimStart();
  return head.startsWith('-----BEGIN ');
}

// Splits DER certificates written back to back.
function split_der(data: Uint8Array): Uint8Array[] {
  const reader = new ByteReader(data);
  const out: Uint8Array[] = [];
  while (!reader.empty) {
    const start = reader.offset;
    read_der(reader, 0x30, 'certificate');
    out.push(data.subarray(start, reader.offset));
  }
  return out;
}

function certificates_in(data: Uint8Array): Uint8Array[] {
  return looks_like_pem(data) ? parse_pem_certificates(new TextDecoder().decode(data)) : split_der(data);
}

function guid_string(bytes: Uint8Array): string {
  const hex = hex_encode(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface CertTableEntry {
  guid: string;
  data: Uint8Array;
}

// Parses a GHCB certificate table; entries must point inside it, after the header.
export function parse_cert_table(table: Uint8Array): CertTableEntry[] {
  const reader = new ByteReader(table);
  const headers: { guid: string; offset: number; length: number }[] = [];
  for (;;) {
    if (headers.length > kMaxEntries) throw new CloisterError('resource_exhausted', 'certificate table has more than 64 entries');
    const guid = reader.bytes(16, 'certificate table GUID');
    const offset = reader.u32le('certificate table offset');
    const length = reader.u32le('certificate table length');
    if (guid.every((b) => b === 0) && offset === 0 && length === 0) break;
    headers.push({ guid: guid_string(guid), offset, length });
  }
  const header_end = reader.offset;
  return headers.map(({ guid, offset, length }) => {
    if (offset < header_end || offset > table.length || length > table.length - offset) {
      throw new CloisterError('malformed', `certificate table entry ${guid} points outside the table`);
    }
    return { guid, data: table.subarray(offset, offset + length) };
  });
}

// Returns the DER of every certificate in `data`, in any of the three forms.
export function parse_snp_certificates(data: Uint8Array): Uint8Array[] {
  if (looks_like_pem(data) || data[0] === 0x30) return certificates_in(data);
  const certificates: Uint8Array[] = [];
  for (const entry of parse_cert_table(data)) {
    try {
      certificates.push(...certificates_in(entry.data));
    } catch (e) {
      if (e instanceof CloisterError) throw e.with_context(`certificate table entry ${entry.guid}`);
      throw e;
    }
  }
  if (certificates.length === 0) throw new CloisterError('malformed', 'certificate table is empty');
  return certificates;
}
