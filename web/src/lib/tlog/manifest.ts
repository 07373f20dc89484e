// Release manifests as a client reads them, the twin of tlog/manifest.h:
// canonical JSON only, every field checked, and unknown fields rejected
// everywhere but the free-form engine settings (a client must never skip a
// field that could matter).
import { bytes_equal, hex_decode, utf8_encode } from '../bytes/encoding';
import { sha256 } from '../crypto/webcrypto';
import { CloisterError } from '../errors';
import { type Json, type JsonObject, parse_canonical_json } from './canonical_json';

export const kManifestFormat = 'cloister/release-manifest/v1';
export const kMaxManifestSize = 65535;
export const kMaxManifestListSize = 64;

export interface TdxMeasurements {
  mrtd: Uint8Array;
  rtmr: (Uint8Array | null)[]; // four entries; null is not checked
}

export interface SnpTcb {
  bootloader: number;
  tee: number;
  snp: number;
  microcode: number;
  fmc: number | null;
}

export type EngineSetting = boolean | number | string;

export interface ReleaseManifest {
  version: string;
  source_commit: string;
  enclave_binary_sha256: Uint8Array;
  enclave_image_sha256: Uint8Array | null;
  snp_measurements: Uint8Array[];
  tdx_measurements: TdxMeasurements[];
  simulated_measurements: Uint8Array[];
  models: { name: string; sha256: Uint8Array }[];
  engine_settings: Map<string, EngineSetting>;
  upstream_engine: string | null;
  min_snp_tcb: SnpTcb | null;
  min_tdx_tcb: Uint8Array | null; // TEE_TCB_SVN, 16 bytes
  web_app_sha256: Uint8Array | null;
}

function malformed(path: string, problem: string): CloisterError {
  return new CloisterError('malformed', `manifest field ${path}: ${problem}`);
}

const is_lower_hex = (text: string) => /^[0-9a-f]*$/.test(text);
const is_printable_ascii = (text: string) => /^[\x21-\x7e]*$/.test(text);

// Reads one object's fields and, in finish(), insists every field was known.
class ObjectReader {
  private readonly seen = new Set<string>();

  constructor(
    private readonly object: JsonObject,
    readonly path: string,
  ) {}

  static open(value: Json | undefined, path: string): ObjectReader {
    if (!(value instanceof Map)) throw malformed(path, 'must be an object');
    return new ObjectReader(value, path);
  }

  child(key: string): string {
    return `${this.path}.${key}`;
  }

  optional(key: string): Json | undefined {
    if (!this.object.has(key)) return undefined;
    this.seen.add(key);
    return this.object.get(key);
  }

  required(key: string): Json {
    const value = this.optional(key);
    if (value === undefined) throw malformed(this.child(key), 'is missing');
    return value;
  }

  string(key: string, max_size: number): string {
    return read_string(this.required(key), this.child(key), max_size);
  }

  hex(key: string, size: number): Uint8Array {
    return read_hex(this.required(key), this.child(key), size);
  }

  optional_hex(key: string, size: number): Uint8Array | null {
    const value = this.optional(key);
    return value === undefined ? null : read_hex(value, this.child(key), size);
  }

  byte(key: string): number {
    return read_byte(this.required(key), this.child(key));
  }

  list(key: string): Json[] {
    const value = this.required(key);
    if (!Array.isArray(value)) throw malformed(this.child(key), 'must be an array');
    if (value.length > kMaxManifestListSize) {
      throw malformed(this.child(key), `has more than ${kMaxManifestListSize} entries`);
    }
    return value;
  }

  finish(): void {
    for (const key of this.object.keys()) {
      if (!this.seen.has(key)) throw malformed(this.child(key), 'is not a known field');
    }
  }
}

function read_string(value: Json, path: string, max_size: number): string {
  if (typeof value !== 'string') throw malformed(path, 'must be a string');
  const size = utf8_encode(value).length;
  if (size === 0 || size > max_size) throw malformed(path, `must hold 1 to ${max_size} bytes`);
  return value;
}

function read_hex(value: Json, path: string, size: number): Uint8Array {
  if (typeof value !== 'string') throw malformed(path, 'must be a hex string');
  if (value.length !== 2 * size || !is_lower_hex(value)) throw malformed(path, `must be ${2 * size} lower-case hex digits`);
  return hex_decode(value);
}

function read_byte(value: Json, path: string): number {
  if (typeof value !== 'number' || value < 0 || value > 255) throw malformed(path, 'must be an integer from 0 to 255');
  return value;
}

function read_measurements(object: ObjectReader, key: string): Uint8Array[] {
  return object.list(key).map((item, i) => read_hex(item, `${object.child(key)}[${i}]`, 48));
}

function read_tdx(value: Json, path: string): TdxMeasurements {
  const object = ObjectReader.open(value, path);
  const mrtd = object.hex('mrtd', 48);
  const rtmr = [0, 1, 2, 3].map((i) => object.optional_hex(`rtmr${i}`, 48));
  object.finish();
  return { mrtd, rtmr };
}

function read_engine(value: Json, manifest: ReleaseManifest): void {
  const object = ObjectReader.open(value, 'engine');
  const settings = object.required('settings');
  if (!(settings instanceof Map)) throw malformed('engine.settings', 'must be an object');
  if (settings.size > kMaxManifestListSize) throw malformed('engine.settings', 'has too many entries');
  for (const [key, setting] of settings) {
    const path = `engine.settings.${key}`;
    if (!/^[a-z0-9_.-]{1,64}$/.test(key)) throw malformed(path, 'names must be 1 to 64 characters of [a-z0-9_.-]');
    if (typeof setting === 'boolean' || typeof setting === 'number') manifest.engine_settings.set(key, setting);
    else if (typeof setting === 'string') manifest.engine_settings.set(key, read_string(setting, path, 1024));
    else throw malformed(path, 'must be a string, an integer or a boolean');
  }
  const upstream = object.optional('upstream');
  if (upstream !== undefined) {
    const url = read_string(upstream, 'engine.upstream', 256);
    if (!is_printable_ascii(url) || !(url.startsWith('http://') || url.startsWith('https://'))) {
      throw malformed('engine.upstream', 'must be an http:// or https:// URL');
    }
    manifest.upstream_engine = url;
  }
  object.finish();
}

function read_min_tcb(value: Json, manifest: ReleaseManifest): void {
  const object = ObjectReader.open(value, 'min_tcb');
  const snp = object.optional('snp');
  if (snp !== undefined) {
    const fields = ObjectReader.open(snp, 'min_tcb.snp');
    const tcb: SnpTcb = {
      bootloader: fields.byte('bootloader'),
      tee: fields.byte('tee'),
      snp: fields.byte('snp'),
      microcode: fields.byte('microcode'),
      fmc: null,
    };
    const fmc = fields.optional('fmc');
    if (fmc !== undefined) tcb.fmc = read_byte(fmc, 'min_tcb.snp.fmc');
    fields.finish();
    manifest.min_snp_tcb = tcb;
  }
  const tdx = object.optional('tdx');
  if (tdx !== undefined) {
    const fields = ObjectReader.open(tdx, 'min_tcb.tdx');
    manifest.min_tdx_tcb = fields.hex('tee_tcb_svn', 16);
    fields.finish();
  }
  if (manifest.min_snp_tcb === null && manifest.min_tdx_tcb === null) {
    throw malformed('min_tcb', 'must name at least one platform (omit it otherwise)');
  }
  object.finish();
}

function read_manifest(document: Json): ReleaseManifest {
  const top = ObjectReader.open(document, 'manifest');
  const format = top.string('format', 64);
  if (format !== kManifestFormat) {
    throw new CloisterError('unsupported', `manifest format "${format}" is not ${kManifestFormat}`);
  }
  const version = top.string('version', 64);
  if (!is_printable_ascii(version)) throw malformed('version', 'must be printable ASCII without spaces');
  const source_commit = top.string('source_commit', 64);
  if ((source_commit.length !== 40 && source_commit.length !== 64) || !is_lower_hex(source_commit)) {
    throw malformed('source_commit', 'must be 40 or 64 lower-case hex digits');
  }
  const enclave = ObjectReader.open(top.required('enclave'), 'enclave');
  const manifest: ReleaseManifest = {
    version,
    source_commit,
    enclave_binary_sha256: enclave.hex('binary_sha256', 32),
    enclave_image_sha256: enclave.optional_hex('image_sha256', 32),
    snp_measurements: [],
    tdx_measurements: [],
    simulated_measurements: [],
    models: [],
    engine_settings: new Map(),
    upstream_engine: null,
    min_snp_tcb: null,
    min_tdx_tcb: null,
    web_app_sha256: null,
  };
  enclave.finish();
  const measurements = ObjectReader.open(top.required('measurements'), 'measurements');
  manifest.simulated_measurements = read_measurements(measurements, 'simulated');
  manifest.snp_measurements = read_measurements(measurements, 'snp');
  manifest.tdx_measurements = measurements.list('tdx').map((item, i) => read_tdx(item, `measurements.tdx[${i}]`));
  measurements.finish();
  if (
    manifest.simulated_measurements.length === 0 &&
    manifest.snp_measurements.length === 0 &&
    manifest.tdx_measurements.length === 0
  ) {
    throw malformed('measurements', 'lists no measurement at all');
  }
  top.list('models').forEach((item, i) => {
    const model = ObjectReader.open(item, `models[${i}]`);
    const name = model.string('name', 128);
    if (!is_printable_ascii(name)) throw malformed(model.child('name'), 'must be printable ASCII without spaces');
    manifest.models.push({ name, sha256: model.hex('sha256', 32) });
    model.finish();
  });
  read_engine(top.required('engine'), manifest);
  const min_tcb = top.optional('min_tcb');
  if (min_tcb !== undefined) read_min_tcb(min_tcb, manifest);
  manifest.web_app_sha256 = top.optional_hex('web_app_sha256', 32);
  top.finish();
  return manifest;
}

// Parses a manifest from its canonical bytes. Throws malformed (or
// unsupported for another format) with the field's path.
export function parse_manifest(canonical: Uint8Array): ReleaseManifest {
  if (canonical.length > kMaxManifestSize) {
    throw new CloisterError('resource_exhausted', `manifest is larger than ${kMaxManifestSize} bytes`);
  }
  let document: Json;
  try {
    document = parse_canonical_json(canonical);
  } catch (e) {
    if (e instanceof CloisterError) throw e.with_context('manifest is not canonical JSON');
    throw e;
  }
  return read_manifest(document);
}

// Returns SHA-256 of the canonical manifest bytes: the manifest digest.
export function manifest_digest(canonical: Uint8Array): Promise<Uint8Array> {
  return sha256(canonical);
}

const contains = (list: readonly Uint8Array[], value: Uint8Array) => list.some((entry) => bytes_equal(entry, value));

// Returns true if `measurement` is one of the manifest's SNP measurements.
export function allows_snp_measurement(manifest: ReleaseManifest, measurement: Uint8Array): boolean {
  return contains(manifest.snp_measurements, measurement);
}

// Returns true if `measurement` is one of the manifest's simulated measurements.
export function allows_simulated_measurement(manifest: ReleaseManifest, measurement: Uint8Array): boolean {
  return contains(manifest.simulated_measurements, measurement);
}
