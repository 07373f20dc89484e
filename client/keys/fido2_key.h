// FIDO2 hardware keys from the CLI, through libfido2: a discoverable ES256
// credential with the hmac-secret extension, evaluated on the WebAuthn PRF
// salt (see webauthn_prf_salt) so the same key yields the same 32-byte secret
// here and as a passkey in the browser, provided the relying-party id matches
// the web app's domain.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/secret_bytes.h"

namespace cloister::client {

struct Fido2Options {
  std::string rp_id = "localhost";         // must equal the web app's WebAuthn RP id
  std::optional<std::string> pin;          // the key's PIN, if it has one
  std::optional<std::string> device_path;  // default: the first key found
};

// Returns the paths of connected FIDO2 devices (may be empty).
std::vector<std::string> list_fido2_devices();

// Creates a discoverable credential with hmac-secret for `user_id` on the key
// (the user touches it) and returns its credential id.
Result<Bytes> fido2_register(const Fido2Options& options, ByteSpan user_id,
                             std::string_view user_name);

// Evaluates hmac-secret on `salt` (32 bytes) with the credential `credential_id`,
// or with any discoverable credential for the RP when it is empty. Fails with
// kUnavailable when no key is connected.
Result<crypto::SecretBytes> fido2_hmac_secret(const Fido2Options& options, ByteSpan credential_id,
                                              ByteSpan salt);

}  // namespace cloister::client
