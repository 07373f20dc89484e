// Passkeys with the WebAuthn PRF extension: registering a passkey and
// evaluating its PRF on Cloister's input. The 32-byte PRF output is the
// passkey slot's material M; derive_slot_keys (HKDF) turns it into the slot's
// lookup id and the key that wraps the account root secret (docs/keys.md).
// The browser hashes the input as SHA-256("WebAuthn PRF" || 0x00 || input)
// before CTAP2 hmac-secret, which is what lets the CLI's FIDO2 path reach the
// same secret with the same security key.
import { utf8_encode } from '../bytes/encoding';
import { buffer, random_bytes } from '../crypto/webcrypto';
import { CloisterError } from '../errors';
import { SlotKind, type SlotKeys, derive_slot_keys, kPrfInput } from './key_slot';

export const kPrfOutputSize = 32;

// Explains to a person why a passkey cannot unlock Cloister here.
export const kNoPrfExplanation =
  'This browser or security key cannot derive a secret from a passkey (the WebAuthn PRF extension), ' +
  'so a passkey cannot unlock Cloister here. Use a passphrase or your recovery code instead, or a ' +
  'browser and authenticator with PRF support (recent Chrome, Edge, Safari or Firefox with a ' +
  'platform authenticator or a FIDO2 key with hmac-secret).';

export interface PasskeyResult {
  credential_id: Uint8Array;
  prf_output: Uint8Array; // the slot material M
}

// Reads the PRF output out of a credential's extension results, or returns
// null if there is none. Throws malformed if it is not 32 bytes.
export function read_prf_output(results: AuthenticationExtensionsClientOutputs): Uint8Array | null {
  const first = results.prf?.results?.first;
  if (first === undefined) return null;
  const bytes = first instanceof ArrayBuffer ? new Uint8Array(first) : new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
  if (bytes.length !== kPrfOutputSize) {
    throw new CloisterError('malformed', `the PRF output is ${bytes.length} bytes, not ${kPrfOutputSize}`);
  }
  return bytes.slice();
}

function prf_inputs(): AuthenticationExtensionsClientInputs {
  return { prf: { eval: { first: buffer(utf8_encode(kPrfInput)) } } };
}

// Returns the options that register a discoverable passkey asking for PRF.
export function registration_options(rp_id: string, user_name: string, user_id: Uint8Array): CredentialCreationOptions {
  return {
    publicKey: {
      rp: { id: rp_id, name: 'Cloister' },
      user: { id: buffer(user_id), name: user_name, displayName: user_name },
      challenge: buffer(random_bytes(32)),
      pubKeyCredParams: [
        { type: 'public-key', alg: -8 }, // Ed25519
        { type: 'public-key', alg: -7 }, // ES256
        { type: 'public-key', alg: -257 }, // RS256
      ],
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      timeout: 120_000,
      extensions: prf_inputs(),
    },
  };
}

// Returns the options that evaluate PRF on an existing passkey: any of the
// relying party's discoverable passkeys, or one of `allow`.
export function assertion_options(rp_id: string, allow: readonly Uint8Array[] = []): CredentialRequestOptions {
  return {
    publicKey: {
      rpId: rp_id,
      challenge: buffer(random_bytes(32)),
      allowCredentials: allow.map((id) => ({ type: 'public-key', id: buffer(id) })),
      userVerification: 'required',
      timeout: 120_000,
      extensions: prf_inputs(),
    },
  };
}

function as_public_key_credential(credential: Credential | null): PublicKeyCredential {
  if (credential === null || credential.type !== 'public-key') {
    throw new CloisterError('unavailable', 'no passkey was chosen');
  }
  return credential as PublicKeyCredential;
}

// Evaluates PRF on a passkey of `rp_id`. Throws unsupported (with
// kNoPrfExplanation) if the authenticator returns no PRF output.
export async function evaluate_passkey(
  rp_id: string,
  allow: readonly Uint8Array[] = [],
  credentials: CredentialsContainer = navigator.credentials,
): Promise<PasskeyResult> {
  const credential = as_public_key_credential(await credentials.get(assertion_options(rp_id, allow)));
  const prf_output = read_prf_output(credential.getClientExtensionResults());
  if (prf_output === null) throw new CloisterError('unsupported', kNoPrfExplanation);
  return { credential_id: new Uint8Array(credential.rawId), prf_output };
}

// Registers a passkey and returns its PRF output, evaluating it with a
// second ceremony when the authenticator gives no output at creation.
export async function register_passkey(
  rp_id: string,
  user_name: string,
  credentials: CredentialsContainer = navigator.credentials,
): Promise<PasskeyResult> {
  const credential = as_public_key_credential(await credentials.create(registration_options(rp_id, user_name, random_bytes(16))));
  const results = credential.getClientExtensionResults();
  const credential_id = new Uint8Array(credential.rawId);
  if (results.prf?.enabled !== true) throw new CloisterError('unsupported', kNoPrfExplanation);
  const prf_output = read_prf_output(results);
  if (prf_output !== null) return { credential_id, prf_output };
  return evaluate_passkey(rp_id, [credential_id], credentials);
}

// Derives the passkey slot's lookup id and wrapping key from a PRF output.
export function passkey_slot_keys(prf_output: Uint8Array): Promise<SlotKeys> {
  return derive_slot_keys(SlotKind.PasskeyPrf, prf_output);
}
