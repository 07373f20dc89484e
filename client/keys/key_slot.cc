#include "client/keys/key_slot.h"

#include <algorithm>

#include "client/keys/account_keys.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace cloister::client {
namespace {

constexpr uint8_t kSealFormatV1 = 1;
constexpr std::string_view kLookupLabel = "cloister/v1/slot-lookup";
constexpr std::string_view kWrapLabel = "cloister/v1/slot-wrap";
constexpr std::string_view kSlotAadLabel = "cloister/v1/slot";
constexpr std::string_view kPassphraseSaltLabel = "cloister/v1/passphrase-salt";

Bytes labelled(std::string_view label, SlotKind kind) {
  Bytes info = to_bytes(label);
  info.push_back(static_cast<uint8_t>(kind));
  return info;
}

Bytes slot_associated_data(const WrappedSlot& slot) {
  ByteWriter w;
  w.put_string(kSlotAadLabel);
  w.put_u8(static_cast<uint8_t>(slot.kind));
  w.put_bytes(slot.lookup_id);
  w.put_bytes(slot.account);
  return w.take();
}

}  // namespace

std::string_view slot_kind_name(SlotKind kind) {
  switch (kind) {
    case SlotKind::kPasskeyPrf: return "passkey-prf";
    case SlotKind::kFido2HmacSecret: return "fido2-hmac-secret";
    case SlotKind::kPassphrase: return "passphrase";
    case SlotKind::kRecoveryCode: return "recovery";
  }
  return "unknown";
}

Result<SlotKind> parse_slot_kind(std::string_view name) {
  for (SlotKind kind : {SlotKind::kPasskeyPrf, SlotKind::kFido2HmacSecret, SlotKind::kPassphrase,
                        SlotKind::kRecoveryCode}) {
    if (slot_kind_name(kind) == name) return kind;
  }
  return Error(ErrorCode::kInvalidArgument,
               "unknown slot kind '" + std::string(name) +
                   "' (want passkey-prf, fido2-hmac-secret, passphrase or recovery)");
}

Result<SlotKeys> derive_slot_keys(SlotKind kind, ByteSpan material) {
  if (material.size() < 16) {
    return Error(ErrorCode::kInvalidArgument, "slot material must be at least 16 bytes");
  }
  crypto::SecretBytes lookup =
      crypto::hkdf(crypto::HashAlgorithm::kSha256, material, {}, labelled(kLookupLabel, kind), 32);
  SlotKeys keys{
      {},
      crypto::hkdf(crypto::HashAlgorithm::kSha256, material, {}, labelled(kWrapLabel, kind), 32)};
  std::copy(lookup.span().begin(), lookup.span().end(), keys.lookup_id.begin());
  return keys;
}

Result<SlotKeys> passphrase_slot_keys(std::string_view passphrase,
                                      const crypto::Ed25519PublicKey& account,
                                      const crypto::Argon2Params& params) {
  if (passphrase.empty()) {
    return Error(ErrorCode::kInvalidArgument, "the passphrase is empty");
  }
  ByteWriter salt_input;
  salt_input.put_string(kPassphraseSaltLabel);
  salt_input.put_bytes(account);
  crypto::Sha256Digest salt = crypto::sha256(salt_input.data());
  CLOISTER_ASSIGN_OR_RETURN(
      crypto::SecretBytes material,
      crypto::argon2id(as_bytes(passphrase), ByteSpan(salt).first(16), params, 32));
  return derive_slot_keys(SlotKind::kPassphrase, material.span());
}

std::array<uint8_t, 32> webauthn_prf_salt(ByteSpan input) {
  ByteWriter w;
  w.put_string("WebAuthn PRF");
  w.put_u8(0x00);
  w.put_bytes(input);
  return crypto::sha256(w.data());
}

WrappedSlot wrap_root_secret(const crypto::SecretBytes& root, SlotKind kind, const SlotKeys& keys,
                             const crypto::Ed25519PublicKey& account) {
  WrappedSlot slot{kind, keys.lookup_id, account, {}};
  crypto::AeadNonce nonce{};
  crypto::fill_random(nonce);
  crypto::AeadKey aead(crypto::AeadAlgorithm::kAes256Gcm, keys.wrapping_key.span());
  Bytes ciphertext = aead.seal(nonce, slot_associated_data(slot), root.span());
  ByteWriter sealed;
  sealed.put_u8(kSealFormatV1);
  sealed.put_bytes(nonce);
  sealed.put_bytes(ciphertext);
  slot.sealed = sealed.take();
  return slot;
}

Result<crypto::SecretBytes> unwrap_root_secret(const WrappedSlot& slot, const SlotKeys& keys) {
  if (!crypto::constant_time_equals(slot.lookup_id, keys.lookup_id)) {
    return Error(ErrorCode::kRejected, "this key does not open this slot");
  }
  ByteReader reader(slot.sealed);
  CLOISTER_ASSIGN_OR_RETURN(uint8_t format, reader.read_u8("slot format"));
  if (format != kSealFormatV1) {
    return Error(ErrorCode::kUnsupported, "unknown slot format " + std::to_string(format));
  }
  crypto::AeadNonce nonce{};
  CLOISTER_TRY(reader.read_into(nonce, "slot nonce"));
  crypto::AeadKey aead(crypto::AeadAlgorithm::kAes256Gcm, keys.wrapping_key.span());
  auto opened = aead.open(nonce, slot_associated_data(slot), reader.read_rest());
  if (!opened.ok()) {
    return Error(ErrorCode::kRejected, "the slot does not open with this key (wrong secret?)");
  }
  crypto::SecretBytes root(*opened);
  crypto::secure_wipe(*opened);
  CLOISTER_ASSIGN_OR_RETURN(AccountKeys derived, derive_account_keys(root));
  if (!crypto::constant_time_equals(derived.identity.public_key, slot.account)) {
    return Error(ErrorCode::kRejected, "the slot's secret belongs to a different account");
  }
  return root;
}

}  // namespace cloister::client
