// Key slots: the account root secret R, wrapped once per unlocking method.
//
// Each method yields secret material M (a passkey's PRF output, a FIDO2 key's
// hmac-secret output, Argon2id of a passphrase, or a recovery code's entropy).
// From M come two values: a lookup id, under which the host files the slot,
// and a wrapping key, which seals R with AES-256-GCM. The host therefore holds
// only ciphertext, and can find a slot only for someone who already holds M.
// See docs/keys.md.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "crypto/argon2.h"
#include "crypto/curve25519.h"
#include "crypto/secret_bytes.h"

namespace cloister::client {

enum class SlotKind : uint8_t {
  kPasskeyPrf = 1,       // WebAuthn PRF extension, in the browser
  kFido2HmacSecret = 2,  // CTAP2 hmac-secret, from the CLI through libfido2
  kPassphrase = 3,       // Argon2id of a passphrase
  kRecoveryCode = 4,     // the one-time-shown recovery code
};

// Returns the slot kind's wire name, as the host spells it ("passkey-prf",
// "fido2-hmac-secret", "passphrase", "recovery").
std::string_view slot_kind_name(SlotKind kind);
// Parses a name produced by slot_kind_name.
Result<SlotKind> parse_slot_kind(std::string_view name);

using LookupId = std::array<uint8_t, 32>;

// What an unlocking method yields.
struct SlotKeys {
  LookupId lookup_id;
  crypto::SecretBytes wrapping_key;  // 32 bytes
};

// Derives the lookup id and wrapping key from unlocking material `material`
// (at least 16 bytes). `kind` separates the domains of different methods.
Result<SlotKeys> derive_slot_keys(SlotKind kind, ByteSpan material);

// Derives slot keys for a passphrase. The Argon2id salt is derived from the
// account's public key, so the same passphrase on two accounts gives unrelated
// slots, and unlocking by passphrase needs the account id.
Result<SlotKeys> passphrase_slot_keys(
    std::string_view passphrase, const crypto::Ed25519PublicKey& account,
    const crypto::Argon2Params& params = crypto::kPassphraseArgon2Params);

// The PRF input Cloister evaluates on passkeys and FIDO2 keys.
inline constexpr std::string_view kPrfInput = "cloister/v1/prf";

// Returns the salt that WebAuthn's PRF extension passes to CTAP2 hmac-secret
// for PRF input `input`: SHA-256("WebAuthn PRF" || 0x00 || input). Using it
// from the CLI makes one hardware key yield the same secret in the browser.
std::array<uint8_t, 32> webauthn_prf_salt(ByteSpan input);

// A slot as the host stores it. Only `sealed` is secret, and it is encrypted.
struct WrappedSlot {
  SlotKind kind;
  LookupId lookup_id;
  crypto::Ed25519PublicKey account;
  Bytes sealed;  // format byte (1) || nonce (12) || AES-256-GCM(R) || tag
};

// Seals `root` under `keys` for account `account`.
WrappedSlot wrap_root_secret(const crypto::SecretBytes& root, SlotKind kind, const SlotKeys& keys,
                             const crypto::Ed25519PublicKey& account);

// Opens a slot. Fails with kRejected when `keys` are wrong (e.g. a wrong
// passphrase) or the slot was tampered with, and when the recovered root does
// not derive the slot's account key (a slot swapped in from another account).
Result<crypto::SecretBytes> unwrap_root_secret(const WrappedSlot& slot, const SlotKeys& keys);

}  // namespace cloister::client
