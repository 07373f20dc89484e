// Loads web/fixtures/keys/cpp-keys.json, written by the C++ client (see the
// README beside it), for the twin tests.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hex_decode } from '../bytes/encoding';

interface SlotFixture {
  kind: string;
  lookup_id: string;
  wrapping_key: string;
  sealed: string;
}

export interface CppKeysFixture {
  root_secret: string;
  identity_public_key: string;
  account_id: string;
  history_key: string;
  prf_input: string;
  webauthn_prf_salt: string;
  passkey: SlotFixture & { material: string };
  fido2: SlotFixture & { material: string };
  passphrase: SlotFixture & { passphrase: string };
  recovery: SlotFixture & { entropy: string; code: string };
  blob: { object_id: string; version: number; plaintext: string; sealed: string };
}

export function load_cpp_keys(): CppKeysFixture {
  const path = fileURLToPath(new URL('../../../fixtures/keys/cpp-keys.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as CppKeysFixture;
}

export const h = hex_decode;
